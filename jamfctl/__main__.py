from jamfctl.entry import main

main()
