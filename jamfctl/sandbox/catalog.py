"""Static reference data the synthetic fleet draws from: Mac models, macOS releases, people, places, apps."""

from __future__ import annotations

from typing import NamedTuple


class Model(NamedTuple):
    name: str
    identifier: str
    processor: str
    cores: int
    apple_silicon: bool
    kind: str  # short code used in computer names (MBP, MBA, IMAC, MINI, STUDIO)
    laptop: bool
    min_os: int  # oldest macOS major the model shipped with
    ram_gb: tuple[int, ...]
    storage_gb: tuple[int, ...]
    weight: int  # relative frequency in a typical corporate fleet
    serial_prefixes: tuple[str, ...]


MODELS: tuple[Model, ...] = (
    Model("MacBook Pro (14-inch, 2023)", "Mac14,9", "Apple M2 Pro", 10, True, "MBP", True, 13, (16, 32), (512, 1024), 14, ("FVF", "C02", "H4T")),
    Model("MacBook Pro (16-inch, 2023)", "Mac14,10", "Apple M2 Max", 12, True, "MBP", True, 13, (32, 64), (1024, 2048), 5, ("FVF", "C02")),
    Model("MacBook Pro (14-inch, M3, Nov 2023)", "Mac15,3", "Apple M3", 8, True, "MBP", True, 14, (8, 16, 24), (512, 1024), 12, ("FVF", "K9X")),
    Model("MacBook Pro (14-inch, M4 Pro, 2024)", "Mac16,8", "Apple M4 Pro", 12, True, "MBP", True, 15, (24, 48), (512, 1024), 9, ("FVF", "K9X", "L2Q")),
    Model("MacBook Pro (13-inch, M1, 2020)", "MacBookPro17,1", "Apple M1", 8, True, "MBP", True, 11, (8, 16), (256, 512), 6, ("C02", "FVF")),
    Model("MacBook Pro (16-inch, 2019)", "MacBookPro16,1", "Intel Core i9", 8, False, "MBP", True, 10, (16, 32), (512, 1024), 3, ("C02", "C07")),
    Model("MacBook Air (M2, 2022)", "Mac14,2", "Apple M2", 8, True, "MBA", True, 12, (8, 16), (256, 512), 16, ("FVF", "C02", "H4T")),
    Model("MacBook Air (13-inch, M3, 2024)", "Mac15,12", "Apple M3", 8, True, "MBA", True, 14, (8, 16), (256, 512), 11, ("FVF", "K9X")),
    Model("MacBook Air (M1, 2020)", "MacBookAir10,1", "Apple M1", 8, True, "MBA", True, 11, (8, 16), (256, 512), 8, ("FVF", "C02")),
    Model("iMac (24-inch, M3, 2023)", "Mac15,4", "Apple M3", 8, True, "IMAC", False, 14, (8, 16), (256, 512), 4, ("C02", "H4T")),
    Model("iMac (24-inch, M1, 2021)", "iMac21,1", "Apple M1", 8, True, "IMAC", False, 11, (8, 16), (256, 512), 3, ("C02", "FVH")),
    Model("Mac mini (M2, 2023)", "Mac14,3", "Apple M2", 8, True, "MINI", False, 13, (8, 16), (256, 512), 4, ("C07", "H4T")),
    Model("Mac mini (2024)", "Mac16,10", "Apple M4", 10, True, "MINI", False, 15, (16, 24), (256, 512), 3, ("C07", "L2Q")),
    Model("Mac Studio (2023)", "Mac14,13", "Apple M2 Max", 12, True, "STUDIO", False, 13, (32, 64), (512, 1024), 2, ("C07", "FVH")),
    Model("Mac Studio (2025)", "Mac16,9", "Apple M4 Max", 14, True, "STUDIO", False, 15, (36, 64), (512, 1024), 1, ("C07", "L2Q")),
)


class OsRelease(NamedTuple):
    version: str
    build: str
    major: int
    weight: int


OS_RELEASES: tuple[OsRelease, ...] = (
    OsRelease("13.6.9", "22G830", 13, 2),
    OsRelease("13.7.8", "22H730", 13, 3),
    OsRelease("14.6.1", "23G93", 14, 3),
    OsRelease("14.7.2", "23H311", 14, 4),
    OsRelease("14.7.8", "23H730", 14, 5),
    OsRelease("15.3.2", "24D81", 15, 4),
    OsRelease("15.5", "24F74", 15, 6),
    OsRelease("15.6.1", "24G90", 15, 10),
    OsRelease("15.7.2", "24G325", 15, 10),
    OsRelease("26.0.1", "25A362", 26, 12),
    OsRelease("26.1", "25B78", 26, 18),
)


class Department(NamedTuple):
    id: int
    name: str
    code: str
    positions: tuple[str, ...]


DEPARTMENTS: tuple[Department, ...] = (
    Department(1, "Engineering", "ENG", ("Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager", "QA Engineer")),
    Department(2, "Sales", "SAL", ("Account Executive", "Sales Engineer", "Sales Manager", "SDR")),
    Department(3, "Marketing", "MKT", ("Marketing Manager", "Content Strategist", "Product Marketing Manager")),
    Department(4, "Finance", "FIN", ("Accountant", "Financial Analyst", "Controller")),
    Department(5, "Human Resources", "HR", ("HR Business Partner", "Recruiter", "People Operations Lead")),
    Department(6, "IT", "IT", ("IT Support Specialist", "Systems Administrator", "Mac Admin", "IT Team Lead")),
    Department(7, "Design", "DES", ("Product Designer", "UX Researcher", "Design Lead")),
    Department(8, "Legal", "LEG", ("Counsel", "Paralegal")),
    Department(9, "Operations", "OPS", ("Operations Manager", "Office Manager", "Facilities Coordinator")),
    Department(10, "Customer Support", "SUP", ("Support Engineer", "Support Lead", "Customer Success Manager")),
)
DEPARTMENT_WEIGHTS = (30, 12, 7, 5, 4, 6, 8, 2, 4, 9)

BUILDINGS: tuple[tuple[int, str], ...] = (
    (1, "HQ - Minneapolis"), (2, "London Office"), (3, "Austin Campus"), (4, "Berlin Office"),
    (5, "Tokyo Office"), (6, "Eau Claire"), (7, "Remote"),
)
BUILDING_WEIGHTS = (28, 14, 16, 8, 6, 10, 18)

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley",
    "Paul", "Emily", "Andrew", "Michelle", "Joshua", "Amanda", "Kenji", "Yuki", "Priya", "Arjun",
    "Sofia", "Lucas", "Emma", "Noah", "Olivia", "Liam", "Chloe", "Mateo", "Aisha", "Omar",
    "Hannah", "Felix", "Lena", "Jonas", "Maya", "Ethan", "Zoe", "Leon", "Ines", "Tariq",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Tanaka", "Suzuki", "Patel", "Sharma", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Novak",
    "Kowalski", "Rossi", "Bianchi", "Dubois", "Laurent", "Okafor", "Mensah", "Haddad", "Cohen", "Larsen",
)
EMAIL_DOMAIN = "example.com"

# name, bundle id, version, size MB, from the Mac App Store
APPLICATIONS: tuple[tuple[str, str, str, int, bool], ...] = (
    ("Safari.app", "com.apple.Safari", "26.1", 210, False),
    ("Google Chrome.app", "com.google.Chrome", "142.0.7444.135", 1320, False),
    ("Microsoft Word.app", "com.microsoft.Word", "16.103", 2210, False),
    ("Microsoft Excel.app", "com.microsoft.Excel", "16.103", 1980, False),
    ("Microsoft Outlook.app", "com.microsoft.Outlook", "16.103", 1750, False),
    ("Microsoft Teams.app", "com.microsoft.teams2", "25290.205", 720, False),
    ("Slack.app", "com.tinyspeck.slackmacgap", "4.46.101", 480, True),
    ("zoom.us.app", "us.zoom.xos", "6.6.6", 390, False),
    ("1Password.app", "com.1password.1password", "8.11.16", 420, False),
    ("Self Service.app", "com.jamfsoftware.selfservice.mac", "11.30.1", 95, False),
    ("Jamf Connect.app", "com.jamf.connect", "2.45.1", 60, False),
    ("Visual Studio Code.app", "com.microsoft.VSCode", "1.106.2", 610, False),
    ("Xcode.app", "com.apple.dt.Xcode", "26.1", 12400, True),
    ("Docker.app", "com.docker.docker", "4.50.0", 2300, False),
    ("Figma.app", "com.figma.Desktop", "125.9.10", 510, False),
    ("Keynote.app", "com.apple.iWork.Keynote", "14.4", 690, True),
    ("Numbers.app", "com.apple.iWork.Numbers", "14.4", 520, True),
    ("Pages.app", "com.apple.iWork.Pages", "14.4", 560, True),
    ("Firefox.app", "org.mozilla.firefox", "145.0", 430, False),
    ("Adobe Acrobat Reader.app", "com.adobe.Reader", "25.001.20756", 890, False),
)
APPS_ALWAYS = 3  # the first N apps are on every Mac (Safari, Chrome, Word)

CONFIG_PROFILES = (
    ("Wi-Fi - Corp", "com.example.wifi.corp"), ("FileVault Enforcement", "com.example.filevault"),
    ("Privacy Preferences - Jamf", "com.example.pppc.jamf"), ("Software Update Policy", "com.example.swupdate"),
    ("Firewall", "com.example.firewall"), ("Login Window", "com.example.loginwindow"),
)
SMART_GROUPS = (
    (1, "All Managed Clients", True), (2, "FileVault Not Enabled", True), (3, "macOS 26", True),
    (4, "Check-in Older Than 30 Days", True), (5, "Engineering Macs", False), (6, "Pilot - Early Updates", False),
)
VENDORS = ("Apple Store for Business", "CDW", "SHI International", "Insight", "Connection")

# ---------------------------------------------------------------------------------------------------------------
# Reference data for the sandbox's object store (sandbox.store): the nouns beyond computer inventory.
# ---------------------------------------------------------------------------------------------------------------

# building id -> (streetAddress1, streetAddress2, city, stateProvince, zipPostalCode, country); ids = BUILDINGS ids
BUILDING_ADDRESSES: dict[int, tuple[str, str, str, str, str, str]] = {
    1: ("100 Washington Ave S", "Suite 1100", "Minneapolis", "MN", "55401", "United States"),
    2: ("1 Finsbury Avenue", "Floor 4", "London", "Greater London", "EC2M 2PF", "United Kingdom"),
    3: ("11000 Domain Dr", "", "Austin", "TX", "78758", "United States"),
    4: ("Friedrichstraße 68", "", "Berlin", "Berlin", "10117", "Germany"),
    5: ("1-2-3 Marunouchi", "Chiyoda-ku", "Tokyo", "Tokyo", "100-0005", "Japan"),
    6: ("1 Barstow St", "", "Eau Claire", "WI", "54703", "United States"),
    7: ("", "", "", "", "", ""),
}

# (id, name); -1 "None" is Jamf's "no site" and is not listed by /v1/sites
SITES: tuple[tuple[int, str], ...] = ((1, "Headquarters"), (2, "Europe"), (3, "Asia Pacific"))
# building id -> site id (objects in a building belong to that region's site)
BUILDING_SITES: dict[int, int] = {1: 1, 2: 2, 3: 1, 4: 2, 5: 3, 6: 1, 7: -1}  # Remote: no site

# (name, priority); ids are positions + 1
CATEGORIES: tuple[tuple[str, int], ...] = (
    ("Applications", 9), ("Productivity", 8), ("Security", 5), ("Utilities", 9), ("Developer Tools", 10),
    ("Maintenance", 12), ("Inventory", 15), ("Onboarding", 3), ("Printers", 14), ("Software Updates", 6),
    ("Configuration", 7), ("Browsers", 9),
)

# Scripts: (name, category name, priority, info, notes, parameter labels 4.., osRequirements, body)
SCRIPTS: tuple[tuple[str, str, str, str, str, tuple[str, ...], str, str], ...] = (
    ("Rename Computer to Asset Tag", "Configuration", "AFTER", "Sets ComputerName, HostName and LocalHostName from a prefix and the serial number.",
     "Runs at enrollment.", ("Name prefix",), "13.x",
     """#!/bin/bash
# Rename this Mac to PREFIX-SERIAL and update the Jamf Pro inventory record.
prefix="${4:-MAC}"
serial=$(/usr/sbin/ioreg -rd1 -c IOPlatformExpertDevice | /usr/bin/awk -F'"' '/IOPlatformSerialNumber/{print $4}')
new_name="${prefix}-${serial}"
/usr/sbin/scutil --set ComputerName "$new_name"
/usr/sbin/scutil --set HostName "$new_name"
/usr/sbin/scutil --set LocalHostName "$new_name"
/usr/local/bin/jamf setComputerName -name "$new_name"
/usr/local/bin/jamf recon
exit 0
"""),
    ("Install Rosetta 2", "Utilities", "BEFORE", "Installs Rosetta 2 on Apple silicon Macs.", "", (), "11.x",
     """#!/bin/bash
# Install Rosetta 2 on Apple silicon; a no-op on Intel Macs.
if [[ "$(/usr/bin/uname -m)" != "arm64" ]]; then
    echo "Intel Mac: Rosetta not needed"
    exit 0
fi
if /usr/bin/pgrep -q oahd; then
    echo "Rosetta already installed"
    exit 0
fi
/usr/sbin/softwareupdate --install-rosetta --agree-to-license
exit $?
"""),
    ("Dock - Set Default Items", "Configuration", "AFTER", "Rebuilds the Dock for the logged-in user with dockutil.",
     "Requires dockutil 3.x (package 'dockutil').", ("Apps (comma-separated paths)", "Keep Downloads stack (yes/no)"), "",
     """#!/bin/zsh
# Reset the current user's Dock to the corporate default.
current_user=$(/usr/bin/stat -f%Su /dev/console)
uid=$(/usr/bin/id -u "$current_user")
dockutil=/usr/local/bin/dockutil
apps=${4:-"/Applications/Safari.app,/Applications/Microsoft Outlook.app,/Applications/Slack.app,/System/Applications/System Settings.app"}
/bin/launchctl asuser "$uid" sudo -u "$current_user" "$dockutil" --remove all --no-restart
for app in ${(s:,:)apps}; do
    /bin/launchctl asuser "$uid" sudo -u "$current_user" "$dockutil" --add "$app" --no-restart
done
if [[ "${5:-yes}" == "yes" ]]; then
    /bin/launchctl asuser "$uid" sudo -u "$current_user" "$dockutil" --add "/Users/$current_user/Downloads" --view fan --display stack --no-restart
fi
/usr/bin/killall Dock
"""),
    ("FileVault - Check Status", "Security", "AFTER", "Reports FileVault state to the policy log.", "", (), "",
     """#!/bin/bash
# Print the FileVault status; exit 1 when the boot volume is not encrypted.
status=$(/usr/bin/fdesetup status)
echo "$status"
if [[ "$status" == *"FileVault is On."* ]]; then
    exit 0
fi
exit 1
"""),
    ("Flush Policy History", "Maintenance", "AFTER", "Clears the local jamf policy history so Once-per-computer policies re-run.", "", (), "",
     """#!/bin/bash
/usr/local/bin/jamf flushPolicyHistory
/usr/local/bin/jamf policy
"""),
    ("Update Inventory", "Inventory", "AFTER", "Runs recon.", "", (), "",
     """#!/bin/bash
/usr/local/bin/jamf recon
"""),
    ("Remove Admin Rights", "Security", "AFTER", "Demotes every local admin except the management account.",
     "Parameter 4 keeps one extra account.", ("Account to keep",), "",
     """#!/bin/bash
# Remove admin rights from every local user except jamfadmin, root and $4.
keep="${4:-}"
for user in $(/usr/bin/dscl . -read /Groups/admin GroupMembership | /usr/bin/cut -d' ' -f2-); do
    case "$user" in
        root|jamfadmin|"$keep") continue ;;
    esac
    /usr/sbin/dseditgroup -o edit -d "$user" -t user admin && echo "Removed $user from admin"
done
"""),
    ("Map Printers by Building", "Printers", "AFTER", "Adds the building's print queues over IPP.", "",
     ("Building code", "Print server"), "",
     """#!/bin/bash
# Add the print queues of building $4 from print server $5.
building="${4:?building code required}"
server="${5:-print.example.com}"
for queue in "${building}-Floor1" "${building}-Floor2"; do
    /usr/sbin/lpadmin -p "$queue" -E -v "ipp://${server}/printers/${queue}" -m everywhere -o printer-is-shared=false
done
"""),
    ("Software Update - Defer Notice", "Software Updates", "BEFORE", "Shows a deferral notice with swiftDialog.", "",
     ("Title", "Message", "Deadline (days)"), "14.x",
     """#!/bin/zsh
dialog=/usr/local/bin/dialog
title=${4:-"macOS update required"}
message=${5:-"Please install the latest macOS update."}
deadline=${6:-7}
"$dialog" --title "$title" --message "$message\\n\\nDeadline: $deadline days" --button1text "Update now" --button2text "Later" --icon SF=arrow.triangle.2.circlepath
if [[ $? -eq 0 ]]; then
    /usr/bin/open "x-apple.systempreferences:com.apple.Software-Update-Settings.extension"
fi
"""),
    ("Collect Diagnostics", "Maintenance", "AFTER", "Zips recent logs for the helpdesk.", "", ("Upload URL",), "",
     """#!/bin/bash
# Gather jamf.log, install.log and a sysdiagnose-lite into /tmp and upload them.
stamp=$(/bin/date +%Y%m%d-%H%M%S)
out="/tmp/diag-$(/bin/hostname -s)-${stamp}.zip"
/usr/bin/zip -q "$out" /var/log/jamf.log /var/log/install.log /Library/Logs/DiagnosticReports/*.crash 2>/dev/null
if [[ -n "$4" ]]; then
    /usr/bin/curl -sf -T "$out" "$4" && echo "Uploaded $out"
fi
"""),
    ("Set Time Zone and NTP", "Configuration", "AFTER", "Sets the time zone and network time server.", "",
     ("Time zone", "NTP server"), "",
     """#!/bin/bash
/usr/sbin/systemsetup -settimezone "${4:-America/Chicago}"
/usr/sbin/systemsetup -setnetworktimeserver "${5:-time.apple.com}"
/usr/sbin/systemsetup -setusingnetworktime on
"""),
    ("Enable Firewall Stealth Mode", "Security", "AFTER", "Turns on the application firewall and stealth mode.", "", (), "",
     """#!/bin/bash
fw=/usr/libexec/ApplicationFirewall/socketfilterfw
$fw --setglobalstate on
$fw --setstealthmode on
$fw --getglobalstate
"""),
    ("Onboarding - Welcome", "Onboarding", "AFTER", "Shows the welcome window at first login.", "",
     ("Welcome title", "Support URL"), "14.x",
     """#!/bin/zsh
current_user=$(/usr/bin/stat -f%Su /dev/console)
/usr/local/bin/dialog --title "${4:-Welcome to Example}" \\
    --message "Hi ${current_user}, your Mac is being set up. Help: ${5:-https://help.example.com}" \\
    --icon /Applications/Self\\ Service.app --timer 600
"""),
    ("Clear Browser Caches", "Browsers", "AFTER", "Removes Safari and Chrome caches of the logged-in user.", "", (), "",
     """#!/bin/bash
current_user=$(/usr/bin/stat -f%Su /dev/console)
/bin/rm -rf "/Users/${current_user}/Library/Caches/com.apple.Safari" \\
            "/Users/${current_user}/Library/Caches/Google/Chrome"
echo "Caches cleared for ${current_user}"
"""),
    ("Reset Printing System", "Printers", "AFTER", "Removes every print queue.", "", (), "",
     """#!/bin/bash
/usr/bin/lpstat -p | /usr/bin/awk '{print $2}' | while read -r printer; do
    /usr/sbin/lpadmin -x "$printer"
done
"""),
    ("Jamf Protect - Health Check", "Security", "AFTER", "Restarts Jamf Protect when its daemon is not running.", "", (), "",
     """#!/bin/bash
if ! /usr/bin/pgrep -q JamfProtect; then
    /bin/launchctl kickstart -k system/com.jamf.protect.daemon
    echo "Jamf Protect restarted"
fi
/usr/local/bin/protectctl info --plist | /usr/bin/plutil -extract Status raw -
"""),
)

# Packages beyond the APPLICATIONS list: (packageName prefix, file stem, version, size MB, category name, reboot)
EXTRA_PACKAGES: tuple[tuple[str, str, str, int, str, bool], ...] = (
    ("Jamf Protect", "JamfProtect", "6.4.0", 85, "Security", False),
    ("dockutil", "dockutil", "3.1.3", 1, "Utilities", False),
    ("swiftDialog", "dialog", "2.5.6", 9, "Utilities", False),
    ("Printer Drivers - HP", "HewlettPackardPrinterDrivers", "10.6", 820, "Printers", False),
    ("Corporate Fonts", "CorporateFonts", "2026.1", 140, "Configuration", False),
    ("macOS Tahoe Installer", "InstallmacOSTahoe", "26.1", 16800, "Software Updates", True),
)
# package category by application bundle id prefix (else "Applications")
APP_CATEGORIES: dict[str, str] = {
    "com.microsoft": "Productivity", "com.apple.iWork": "Productivity", "com.tinyspeck": "Productivity",
    "us.zoom": "Productivity", "com.1password": "Security", "com.jamf": "Security", "com.google.Chrome": "Browsers",
    "org.mozilla": "Browsers", "com.apple.Safari": "Browsers", "com.microsoft.VSCode": "Developer Tools",
    "com.apple.dt": "Developer Tools", "com.docker": "Developer Tools",
}

# Computer extension attributes. Ids 1 and 2 are the ones inventory records carry (sections.extension_attributes).
# (name, description, dataType, inputType, inventoryDisplayType, script or None, popup choices)
COMPUTER_EXTENSION_ATTRIBUTES: tuple[tuple[str, str, str, str, str, str | None, tuple[str, ...]], ...] = (
    ("Jamf Protect - Status", "", "STRING", "SCRIPT", "EXTENSION_ATTRIBUTES",
     """#!/bin/bash
if /usr/bin/pgrep -q JamfProtect; then
    echo "<result>Protected</result>"
else
    echo "<result>Not installed</result>"
fi
""", ()),
    ("Cost Center", "Finance cost center", "STRING", "TEXT", "USER_AND_LOCATION", None, ()),
    ("Device Ownership", "Who owns the hardware", "STRING", "POPUP", "PURCHASING", None,
     ("Corporate", "Leased", "Loaner", "BYOD")),
    ("Last Reboot", "Date of the last boot", "DATE", "SCRIPT", "OPERATING_SYSTEM",
     """#!/bin/bash
boot=$(/usr/sbin/sysctl -n kern.boottime | /usr/bin/awk -F'[ ,]' '{print $4}')
echo "<result>$(/bin/date -r "$boot" '+%Y-%m-%d %H:%M:%S')</result>"
""", ()),
    ("Battery Cycle Count", "", "INTEGER", "SCRIPT", "HARDWARE",
     """#!/bin/zsh
cycles=$(/usr/sbin/ioreg -r -c AppleSmartBattery | /usr/bin/awk '/"CycleCount" =/{print $3}')
echo "<result>${cycles:-0}</result>"
""", ()),
    ("Manager", "Directory attribute: manager", "STRING", "DIRECTORY_SERVICE_ATTRIBUTE_MAPPING", "USER_AND_LOCATION", None, ()),
)

# Computer groups beyond SMART_GROUPS (ids continue after them). (name, description, site id or -1, criteria)
# criteria: (name, searchType, value, andOr, openingParen, closingParen); an empty tuple = a static group.
COMPUTER_GROUP_CRITERIA: dict[int, tuple[tuple[str, str, str, str, bool, bool], ...]] = {
    1: (("Managed", "is", "Managed", "and", False, False),),
    2: (("FileVault 2 Status", "is", "Not Encrypted", "and", False, False),),
    3: (("Operating System Version", "greater than or equal", "26.0", "and", False, False),
        ("Operating System Version", "less than", "27.0", "and", False, False)),
    4: (("Last Check-in", "more than x days ago", "30", "and", False, False),),
}
MORE_COMPUTER_GROUPS: tuple[tuple[str, str, int, tuple[tuple[str, str, str, str, bool, bool], ...]], ...] = (
    ("Department - Engineering", "Every Mac whose user is in Engineering", -1,
     (("Department", "is", "Engineering", "and", False, False),)),
    ("macOS Older Than 15", "Macs that need a major upgrade", -1,
     (("Operating System Version", "less than", "15", "and", False, False),)),
    ("Laptops", "", -1, (("Model", "like", "MacBook", "and", False, False),)),
    ("Stale Inventory - 14 Days", "No inventory update for two weeks", -1,
     (("Last Inventory Update", "more than x days ago", "14", "and", False, False),)),
    ("Compliance - Needs Attention", "Managed Macs that are unencrypted or run macOS 13", -1,
     (("FileVault 2 Status", "is", "Not Encrypted", "and", True, False),
      ("Operating System Version", "less than", "14", "or", False, True),
      ("Managed", "is", "Managed", "and", False, False))),
    ("Intel Macs", "", -1, (("Architecture Type", "is", "x86_64", "and", False, False),)),
    ("London Office Macs", "", 2, (("Building", "is", "London Office", "and", False, False),)),
    ("Tokyo Office Macs", "", 3, (("Building", "is", "Tokyo Office", "and", False, False),)),
    ("Sales and Marketing", "", 1,
     (("Department", "is", "Sales", "and", False, False), ("Department", "is", "Marketing", "or", False, False))),
    ("Executive Devices", "Hand-picked Macs of the leadership team", 1, ()),
    ("Loaner Pool", "Macs the helpdesk lends out", 1, ()),
    ("Berlin Lab", "Test Macs in the Berlin lab", 2, ()),
)
# more static groups for big fleets: "Project <name>" (count grows with the fleet)
PROJECT_NAMES = ("Atlas", "Borealis", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
                 "Kestrel", "Lumen", "Meridian", "Nimbus", "Onyx", "Pioneer", "Quartz", "Raven", "Summit", "Tidal")

# Mobile devices -------------------------------------------------------------------------------------------
class MobileModel(NamedTuple):
    name: str
    identifier: str
    model_number: str
    device_type: str  # ios | tvos | watchos | visionos
    capacity_gb: tuple[int, ...]
    cellular: bool
    weight: int
    min_os: int


MOBILE_MODELS: tuple[MobileModel, ...] = (
    MobileModel("iPhone 15", "iPhone15,4", "MTLE3LL/A", "ios", (128, 256), True, 14, 17),
    MobileModel("iPhone 15 Pro", "iPhone16,1", "MTUV3LL/A", "ios", (128, 256, 512), True, 10, 17),
    MobileModel("iPhone 16", "iPhone17,3", "MYAP3LL/A", "ios", (128, 256), True, 12, 18),
    MobileModel("iPhone 16 Pro", "iPhone17,1", "MYMG3LL/A", "ios", (256, 512), True, 8, 18),
    MobileModel("iPhone SE (3rd generation)", "iPhone14,6", "MMXF3LL/A", "ios", (64, 128), True, 5, 15),
    MobileModel("iPad (10th generation)", "iPad13,18", "MPQ03LL/A", "ios", (64, 256), False, 9, 16),
    MobileModel("iPad Air 11-inch (M2)", "iPad14,8", "MUWD3LL/A", "ios", (128, 256), False, 6, 17),
    MobileModel("iPad Pro 13-inch (M4)", "iPad16,5", "MVX23LL/A", "ios", (256, 512, 1024), True, 3, 17),
    MobileModel("iPad mini (A17 Pro)", "iPad16,1", "MXN73LL/A", "ios", (128, 256), False, 4, 18),
    MobileModel("Apple TV 4K (3rd generation)", "AppleTV14,1", "MN873LL/A", "tvos", (64, 128), False, 5, 16),
    MobileModel("Apple Watch Series 10", "Watch7,8", "MWWE3LL/A", "watchos", (64,), True, 4, 11),
    MobileModel("Apple Watch Ultra 2", "Watch7,5", "MX4D3LL/A", "watchos", (64,), True, 2, 11),
    MobileModel("Apple Vision Pro", "RealityDevice14,1", "MW8X3LL/A", "visionos", (256, 512), False, 1, 2),
)

# device type -> ((version, build, major, weight), ...)
MOBILE_OS_RELEASES: dict[str, tuple[tuple[str, str, int, int], ...]] = {
    "ios": (("16.7.12", "20H364", 16, 2), ("17.7.10", "21H450", 17, 5), ("18.6.2", "22G100", 18, 12),
            ("18.7.2", "22H124", 18, 10), ("26.0.1", "23A355", 26, 12), ("26.1", "23B85", 26, 20)),
    "tvos": (("18.6", "22M84", 18, 3), ("26.1", "23J582", 26, 7)),
    "watchos": (("11.6", "22U84", 11, 3), ("26.1", "23S37", 26, 7)),
    "visionos": (("2.6", "22O785", 2, 4), ("26.1", "23N49", 26, 6)),
}
MOBILE_APPS: dict[str, tuple[tuple[str, str, str, int], ...]] = {  # (name, bundle id, version, size MB)
    "ios": (("Self Service", "com.jamfsoftware.selfservice", "11.5.1", 48), ("Microsoft Outlook", "com.microsoft.Office.Outlook", "5.2547.0", 310),
            ("Slack", "com.tinyspeck.chatlyio", "25.11.10", 260), ("Microsoft Teams", "com.microsoft.skype.teams", "7.25.1", 290),
            ("Jamf Trust", "com.jamf.trust", "5.14.0", 75), ("Zoom", "us.zoom.videomeetings", "6.6.5", 180)),
    "tvos": (("Jamf Setup", "com.jamf.setup", "3.2.0", 40), ("Zoom Rooms", "us.zoom.zoomrooms", "6.6.0", 120)),
    "watchos": (("Microsoft Outlook", "com.microsoft.Office.Outlook.watchkitapp", "5.2547.0", 20),),
    "visionos": (("Self Service", "com.jamfsoftware.selfservice", "11.5.1", 52), ("Keynote", "com.apple.Keynote", "14.4", 640)),
}
MOBILE_CONFIG_PROFILES = (("Wi-Fi - Corp (iOS)", "com.example.mobile.wifi"), ("Restrictions - Corporate", "com.example.mobile.restrictions"),
                          ("Passcode Policy", "com.example.mobile.passcode"), ("VPN - Always On", "com.example.mobile.vpn"))
CARRIERS = (("Verizon", "311", "480"), ("AT&T", "310", "410"), ("T-Mobile", "310", "260"), ("Vodafone UK", "234", "15"),
            ("Deutsche Telekom", "262", "01"), ("NTT docomo", "440", "10"))

# Mobile groups: (name, description, site id or -1, criteria as for computer groups; empty = static)
MOBILE_GROUPS: tuple[tuple[str, str, int, tuple[tuple[str, str, str, str, bool, bool], ...]], ...] = (
    ("All Managed iPhones", "", -1, (("Model", "like", "iPhone", "and", False, False), ("Managed", "is", "Managed", "and", False, False))),
    ("All Managed iPads", "", -1, (("Model", "like", "iPad", "and", False, False), ("Managed", "is", "Managed", "and", False, False))),
    ("Apple TVs", "Conference room displays", -1, (("Device Type", "is", "tvOS", "and", False, False),)),
    ("iOS Older Than 18", "", -1, (("Device Type", "is", "iOS", "and", False, False), ("OS Version", "less than", "18", "and", False, False))),
    ("Unsupervised Devices", "", -1, (("Supervised", "is", "No", "and", False, False),)),
    ("Not Checked In - 30 Days", "", -1, (("Last Inventory Update", "more than x days ago", "30", "and", False, False),)),
    ("Europe Devices", "", 2, (("Building", "is", "London Office", "and", False, False), ("Building", "is", "Berlin Office", "or", False, False))),
    ("Executive iPhones", "", 1, ()),
    ("Shared iPads - Retail", "Shared iPads in the stores", 1, ()),
    ("Lost or Stolen", "", -1, ()),
)
