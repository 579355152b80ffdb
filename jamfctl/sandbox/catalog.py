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
