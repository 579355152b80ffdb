#compdef jamfctl

_jamfctl_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _JAMFCTL_COMPLETE=complete_zsh jamfctl)
}

compdef _jamfctl_completion jamfctl