"""config/default.toml as Python data: written by scripts/shipped_config.py from that
file, never by hand (a test checks that the two agree).

`SOURCE` is the file it was made from: `config.load` uses `tree()` only while
default.toml still holds exactly these bytes, and parses the file otherwise.
"""

from __future__ import annotations

SOURCE = (
    b'# presence \xe2\x80\x94 the shipped configuration.\n#\n# Your own file (see `presence confi'
    b'g path`) is merged over this one: set only what you want to\n# change. Your [[rul'
    b'es]] are tried before the shipped ones. Durations are integers whose unit is\n# i'
    b"n the key's name. Check your file with `presence config check`.\n\n# Zone for day "
    b'boundaries, quiet hours, focus windows and floating calendar times, such as\n# "E'
    b'urope/Berlin". Empty means the system\'s zone.\ntimezone = ""\n\n[daemon]\n# Seconds '
    b'between two samples of the foreground app: a number, at least 0.1 (0.5 works).\ni'
    b'nterval_seconds = 5\n# Seconds without keyboard or mouse input after which you co'
    b'unt as away.\nidle_seconds = 180\n# Most seconds of activity a crash may lose: the'
    b' open span is written at least this often.\nflush_seconds = 30\n# Where to learn w'
    b'hat is in front: auto | x11 | sway | hyprland | gnome | kde | macos | windows |\n'
    b'# psutil | none\nprobe = "auto"\n\n[categories]\n# Categories that count as virtual '
    b'chatting.\nvirtual = ["messaging", "social"]\n# Categories that count as present e'
    b'ven without keyboard input (you talk, you do not type).\nalways_active = ["calls"'
    b']\n# Normalised app names that are web browsers: `browser_title` rules apply only'
    b' to them.\nbrowsers = "^(firefox|firefox-esr|firefox developer edition|librewolf|'
    b'waterfox|zen|floorp|chrome|google[ -]chrome(-stable|-beta)?|chromium|chromium-br'
    b'owser|brave|brave[ -]browser|msedge|microsoft[ -]edge(-stable)?|opera|vivaldi|vi'
    b'valdi-bin|safari|arc|orion|epiphany|falkon|qutebrowser|yandex|thorium)$"\n\n# Rule'
    b's: the first that matches wins. Each has a `category`, an optional `name` shown '
    b'by\n# `presence rules test`, and one or more regexes that must all match (case-in'
    b'sensitive, searched\n# anywhere unless anchored): `app` (normalised app name), `e'
    b'xe` (executable path), `title`\n# (window title, any app), `browser_title` (windo'
    b'w title, only when the app is a browser) and\n# `package` (Android package name, '
    b'for phone time imported from ActivityWatch\'s aw-android).\n\n[[rules]]\nname = "And'
    b'roid call apps"\ncategory = "calls"\npackage = "^(us\\\\.zoom\\\\.videomeetings|com\\\\.'
    b'google\\\\.android\\\\.apps\\\\.meetings|com\\\\.google\\\\.android\\\\.apps\\\\.tachyon|com\\\\'
    b'.cisco\\\\.webex\\\\.meetings|org\\\\.jitsi\\\\.meet|com\\\\.skype\\\\.raider|com\\\\.google\\\\'
    b'.android\\\\.dialer|com\\\\.android\\\\.dialer|com\\\\.samsung\\\\.android\\\\.dialer|com\\\\.'
    b'samsung\\\\.android\\\\.incallui|com\\\\.android\\\\.incallui)$"\n\n[[rules]]\nname = "Andr'
    b'oid chat apps"\ncategory = "messaging"\npackage = "^(com\\\\.whatsapp|com\\\\.whatsapp'
    b'\\\\.w4b|org\\\\.thoughtcrime\\\\.securesms|org\\\\.telegram\\\\.messenger|org\\\\.telegram\\'
    b'\\.messenger\\\\.web|org\\\\.thunderdog\\\\.challegram|com\\\\.facebook\\\\.orca|com\\\\.face'
    b'book\\\\.mlite|com\\\\.discord|com\\\\.Slack|com\\\\.google\\\\.android\\\\.apps\\\\.dynamite|'
    b'com\\\\.microsoft\\\\.teams|com\\\\.google\\\\.android\\\\.apps\\\\.messaging|com\\\\.samsung\\'
    b'\\.android\\\\.messaging|com\\\\.android\\\\.mms|com\\\\.viber\\\\.voip|jp\\\\.naver\\\\.line\\\\'
    b'.android|com\\\\.tencent\\\\.mm|com\\\\.kakao\\\\.talk|im\\\\.vector\\\\.app|ch\\\\.threema\\\\.'
    b'app|com\\\\.wire|chat\\\\.rocket\\\\.android|com\\\\.mattermost\\\\.rn|com\\\\.beeper\\\\.andr'
    b'oid)$"\n\n[[rules]]\nname = "Android social apps"\ncategory = "social"\npackage = "^('
    b'com\\\\.instagram\\\\.android|com\\\\.instagram\\\\.barcelona|com\\\\.facebook\\\\.katana|co'
    b'm\\\\.facebook\\\\.lite|com\\\\.twitter\\\\.android|com\\\\.reddit\\\\.frontpage|com\\\\.zhili'
    b'aoapp\\\\.musically|com\\\\.ss\\\\.android\\\\.ugc\\\\.trill|com\\\\.snapchat\\\\.android|com\\'
    b'\\.linkedin\\\\.android|xyz\\\\.blueskyweb\\\\.app|org\\\\.joinmastodon\\\\.android|com\\\\.p'
    b'interest|com\\\\.tumblr|com\\\\.bereal\\\\.ft)$"\n\n[[rules]]\nname = "call apps"\ncategor'
    b'y = "calls"\napp = "^(zoom|zoom\\\\.us|zoom-meetings|caphost|cpthost|webex|ciscoweb'
    b'exstart|ciscocollabhost|atmgr|facetime|jitsi-meet|skype-call)$"\n\n[[rules]]\nname '
    b'= "meeting window of a chat app"\ncategory = "calls"\napp = "^(ms-teams|teams|micr'
    b'osoft teams|microsoft teams \\\\(work or school\\\\)|teams-for-linux|slack|discord|s'
    b'kype|skypeforlinux)$"\ntitle = "(^|\\\\W)(meeting|call with|calling|huddle|voice co'
    b'nnected|in call)(\\\\W|$)"\n\n[[rules]]\nname = "video call in a browser"\ncategory = '
    b'"calls"\nbrowser_title = "(^|\\\\) |[|\xc2\xb7\xe2\x80\xa2:\xe2\x80\x93\xe2\x80\x94-] )(google meet|zoom meeting|zoo'
    b'm workplace|zoom|jitsi meet|whereby|webex meeting|webex|facetime)( [|\xc2\xb7\xe2\x80\xa2\xe2\x80\x93\xe2\x80\x94'
    b'-] |$)|(^|\\\\W)(meet - [a-z]{3}-[a-z]{4}-[a-z]{3}|meet\\\\.jit\\\\.si)(\\\\W|$)"\n\n[[rul'
    b'es]]\nname = "Teams call in a browser"\ncategory = "calls"\n# two patterns that mus'
    b't both match, rather than `(meeting|call).*\\\\| microsoft teams`, whose\n# `.*` re'
    b'scans the rest of the title after every "call" (quadratic in long titles)\ntitle '
    b'= "meeting|call"\nbrowser_title = "\\\\| microsoft teams"\n\n[[rules]]\nname = "chat a'
    b'pps"\ncategory = "messaging"\napp = "^(slack|discord|discord-?canary|discord-?ptb|'
    b'vesktop|webcord|telegram|telegram-desktop|telegramdesktop|ayugram|kotatogram|sig'
    b'nal|signal-desktop|signal-desktop-beta|whatsapp|whatsapp\\\\.root|whatsapp-for-lin'
    b'ux|whatsdesk|zapzap|wasistlos|element|element-desktop|nheko|fractal|messenger|ca'
    b'prine|ms-teams|teams|microsoft teams|microsoft teams \\\\(work or school\\\\)|teams-'
    b'for-linux|skype|skypeforlinux|lync|mattermost|mattermost-desktop|rocket\\\\.chat|r'
    b'ocketchat-desktop|zulip|wire|threema|viber|line|wechat|weixin|qq|kakaotalk|hexch'
    b'at|pidgin|dino|gajim|kopete|konversation|weechat|irssi|ferdium|franz|rambox|beep'
    b'er|messages|imessage|google chat)$"\n\n[[rules]]\nname = "social apps"\ncategory = "'
    b'social"\napp = "^(facebook|instagram|twitter|x|tweetdeck|reddit|tiktok|linkedin|b'
    b'luesky|tokodon|tuba|whalebird|mastodon|ivory|ice cubes|threads|snapchat|pinteres'
    b't|tumblr)$"\n\n[[rules]]\nname = "chat in a browser"\ncategory = "messaging"\nbrowser'
    b'_title = "(^|\\\\) |[|\xc2\xb7\xe2\x80\xa2:\xe2\x80\x93\xe2\x80\x94-] )(whatsapp( web)?|messenger|slack|discord|tel'
    b'egram( web)?|google chat|chat - google|microsoft teams|element|signal)( [|\xc2\xb7\xe2\x80\xa2\xe2'
    b'\x80\x93\xe2\x80\x94-] |$)|^#[\\\\w-]+ \\\\| .* - discord|(^|\\\\W)(web\\\\.whatsapp\\\\.com|app\\\\.slack\\'
    b'\\.com|discord\\\\.com/channels|web\\\\.telegram\\\\.org|chat\\\\.google\\\\.com|teams\\\\.mi'
    b'crosoft\\\\.com|messenger\\\\.com)"\n\n[[rules]]\nname = "social sites in a browser"\nca'
    b'tegory = "social"\nbrowser_title = "(^|\\\\) |[|\xc2\xb7\xe2\x80\xa2:\xe2\x80\x93\xe2\x80\x94-] )(facebook|instagram'
    b'|x|twitter|reddit|linkedin|tiktok|bluesky|mastodon|threads)( [|\xc2\xb7\xe2\x80\xa2\xe2\x80\x93\xe2\x80\x94-] |$)'
    b'|(^|\\\\W)(on x|on twitter|on instagram|on tiktok|on bluesky|on linkedin): |( / x|'
    b' / twitter)( [|\xc2\xb7\xe2\x80\xa2\xe2\x80\x93\xe2\x80\x94-] |$)|^(\\\\(\\\\d+\\\\) )?r/\\\\w+|(^|\\\\W)mastodon\\\\.\\\\w+|\\\\'
    b'w - reddit|reddit - |\\\\| facebook( |$)|\\\\| linkedin( |$)|@[\\\\w.-]+\\\\.(social|onl'
    b'ine|mastodon)\\\\b|(^|\\\\W)(www\\\\.)?(facebook|instagram|reddit|linkedin|tiktok|bsky'
    b')\\\\.(com|app)"\n\n[[rules]]\nname = "store apps on Windows"\ncategory = "messaging"\n'
    b'app = "^applicationframehost$"\ntitle = "^(whatsapp|messenger|telegram|skype|micr'
    b'osoft teams)$"\n\n[[rules]]\nname = "social store apps on Windows"\ncategory = "soci'
    b'al"\napp = "^applicationframehost$"\ntitle = "^(instagram|facebook|tiktok|x|twitte'
    b'r|linkedin)$"\n\n[calendar]\n# Calendars to read: .ics files, folders of .ics files'
    b', or http(s)/webcal URLs (secret addresses\n# are kept out of logs and output).\ns'
    b'ources = []\n# Your addresses: events you declined are left out, and other attend'
    b'ees make an event social.\nowner_emails = []\n# Where an event has both a room and'
    b' a video link: in_person | virtual\nhybrid = "in_person"\n# Minutes between two re'
    b'ads of the calendar sources.\nrefresh_minutes = 15\n# Most seconds one source may '
    b'take to be downloaded, parsed and expanded; one that takes longer\n# fails alone '
    b'(named in `presence calendar list`) and keeps its last meetings.\ndeadline_second'
    b"s = 30\n# Words in an event's CATEGORIES that mark it as in person.\nin_person_tag"
    b's = ["in-person", "in person", "onsite", "on-site", "offline", "face-to-face", "'
    b'irl"]\n# Words in an event\'s CATEGORIES that mark it as virtual.\nvirtual_tags = ['
    b'"virtual", "online", "remote", "video call", "phone call"]\n# Titles of solo bloc'
    b'ks (no other attendee) that are not meetings at all.\nsolo_titles = ["focus", "lu'
    b'nch", "gym", "flight", "commute", "travel", "hold", "ooo", "out of office", "blo'
    b'cked", "busy"]\n# Extra hosts whose links mean a video call, on top of Meet, Zoom'
    b', Teams, Webex, Jitsi, FaceTime.\nconference_domains = []\n# Title words of plans '
    b'with people. Personal calendars rarely list attendees or addresses, so an\n# even'
    b't that names someone and has one of these words ("Dinner with Sam", "Kaffee mit '
    b'Jo") is in\n# person even without a place, unless a call word or a video link say'
    b's it is a call. Whole words.\nsocial_words = [\n  "lunch", "dinner", "coffee", "dr'
    b'inks", "drink", "beer", "beers", "breakfast", "brunch", "tea",\n  "party", "birth'
    b'day", "bday", "wedding", "visit", "walk", "hike", "run", "game", "games",\n  "mov'
    b'ie", "movies", "cinema", "concert", "show", "gig", "picnic", "bbq", "barbecue", '
    b'"date",\n  "climbing", "bouldering", "tennis", "football", "soccer", "museum", "p'
    b'laydate", "meetup",\n  "catch up", "catch-up", "hang out",\n  # Deutsch\n  "mittage'
    b'ssen", "abendessen", "essen", "fr\xc3\xbchst\xc3\xbcck", "kaffee", "kuchen", "feier", "gebur'
    b'tstag",\n  "besuch", "spaziergang", "wanderung", "kino", "konzert", "grillen", "t'
    b'reffen",\n  # Fran\xc3\xa7ais\n  "d\xc3\xa9jeuner", "d\xc3\xaener", "caf\xc3\xa9", "ap\xc3\xa9ro", "verre", "f\xc3\xaa'
    b'te", "anniversaire", "visite", "balade",\n  "randonn\xc3\xa9e", "cin\xc3\xa9", "cin\xc3\xa9ma",\n  #'
    b' Espa\xc3\xb1ol / Italiano / Portugu\xc3\xaas\n  "almuerzo", "comida", "cena", "desayuno", "c'
    b'opas", "fiesta", "cumplea\xc3\xb1os", "paseo", "visita",\n  "cine", "concierto", "pranz'
    b'o", "colazione", "aperitivo", "festa", "compleanno", "jantar",\n  "almo\xc3\xa7o",\n]\n# '
    b'Your own name as event titles write it ("Priya / Casey 1:1" names only Priya whe'
    b'n you are\n# Casey). Names your own addresses carry as attendees are known withou'
    b't this.\nowner_names = []\n\n[nudges]\n# Most nudges in one day (the daily summary i'
    b's not counted).\nmax_per_day = 4\n\n[nudges.phubbing]\n# Chat in front during an in-'
    b'person meeting.\nenabled = true\n# Seconds of chat before the nudge.\ngrace_seconds'
    b' = 60\n# Most phubbing nudges in one meeting.\nmax_per_meeting = 2\n\n[nudges.focus]'
    b'\n# Chat in front inside a focus window.\nenabled = true\n# Seconds of chat before '
    b'the nudge.\ngrace_seconds = 60\n# Minutes between two focus nudges.\ncooldown_minut'
    b'es = 15\n# A heads-up when an automatic focus window opens before an in-person ev'
    b"ent.\nheads_up = true\n\n[nudges.crowding_out]\n# Today's virtual time is over budge"
    b"t and more than today's in-person time.\nenabled = true\n# Minutes of virtual chat"
    b'ting a day before presence says something.\nbudget_minutes = 60\n# Minutes between'
    b' two crowding-out nudges.\ncooldown_minutes = 120\n\n[nudges.reconnect]\n# No in-per'
    b'son time for some days: at most once a day.\nenabled = true\n# Days without in-per'
    b"son time before the nudge.\ndays = 3\n\n[nudges.daily_summary]\n# The day's balance,"
    b' once a day.\nenabled = true\n# Local time of day, HH:MM.\nat = "20:00"\n\n[nudges.we'
    b'lcome_back]\n# Back at the desk after a long stretch away that no meeting or log '
    b'covers: "Were you with\n# people?" (Yes logs that stretch as time in person). Onc'
    b'e per stretch.\nenabled = true\n# Minutes away before presence asks.\nmin_away_minu'
    b'tes = 45\n\n[quiet_hours]\n# No nudges from this local time (HH:MM)...\nstart = "22:'
    b'00"\n# ...until this one; the span may cross midnight. Equal times mean no quiet '
    b'hours.\nend = "08:00"\n\n[focus]\n# Open a focus window before each in-person event,'
    b' kept through the event.\nauto = true\n# Minutes before the event that the automat'
    b"ic window opens.\nlead_minutes = 30\n# Hold the desktop's other notifications duri"
    b'ng in-person meetings, where the desktop offers it\n# (dunst, mako, GNOME; `prese'
    b"nce doctor` says whether yours does). presence's own phubbing\n# nudge still show"
    b's. Restored as it was after the meeting, on shutdown, and after a crash.\ndo_not_'
    b'disturb = false\n\n[devices]\n# A folder that a sync engine (Syncthing, Nextcloud, '
    b'Dropbox) keeps in step between your\n# devices, such as "~/Sync/presence". Each d'
    b"evice writes its own snapshot there and reads the\n# others', so summaries, peopl"
    b'e and the daily budget cover all of them. Empty = this device\n# alone (and no sn'
    b"apshot is written). With Syncthing, add this line to the folder's .stignore\n# so"
    b' that half-written snapshots are never sent:  (?d)~*.presence.db.tmp\nfolder = ""'
    b"\n# This device's name in `presence devices` and on the other devices. Empty = th"
    b'e host name.\nname = ""\n# Minutes between two snapshots (one more is written when'
    b' the daemon stops).\nevery_minutes = 5\n\n[privacy]\n# Store window titles with the '
    b'activity (they are always used in memory for classification).\nstore_titles = fal'
    b'se\n# Titles matching any of these regexes are never stored, even with store_titl'
    b'es on.\nexclude_titles = []\n'
)


def tree() -> dict:
    """The parsed file, a new copy each call (a caller may change its own)."""
    return (
    {'timezone': '',
     'daemon': {'interval_seconds': 5, 'idle_seconds': 180, 'flush_seconds': 30, 'probe': 'auto'},
     'categories': {'virtual': ['messaging', 'social'],
                    'always_active': ['calls'],
                    'browsers': '^(firefox|firefox-esr|firefox developer '
                                'edition|librewolf|waterfox|zen|floorp|chrome|google[ '
                                '-]chrome(-stable|-beta)?|chromium|chromium-browser|brave|brave[ '
                                '-]browser|msedge|microsoft[ '
                                '-]edge(-stable)?|opera|vivaldi|vivaldi-bin|safari|arc|orion|epiphany|falkon|qutebrowser|yandex|thorium)$'},
     'rules': [{'name': 'Android call apps',
                'category': 'calls',
                'package': '^(us\\.zoom\\.videomeetings|com\\.google\\.android\\.apps\\.meetings|com\\.google\\.android\\.apps\\.tachyon|com\\.cisco\\.webex\\.meetings|org\\.jitsi\\.meet|com\\.skype\\.raider|com\\.google\\.android\\.dialer|com\\.android\\.dialer|com\\.samsung\\.android\\.dialer|com\\.samsung\\.android\\.incallui|com\\.android\\.incallui)$'},
               {'name': 'Android chat apps',
                'category': 'messaging',
                'package': '^(com\\.whatsapp|com\\.whatsapp\\.w4b|org\\.thoughtcrime\\.securesms|org\\.telegram\\.messenger|org\\.telegram\\.messenger\\.web|org\\.thunderdog\\.challegram|com\\.facebook\\.orca|com\\.facebook\\.mlite|com\\.discord|com\\.Slack|com\\.google\\.android\\.apps\\.dynamite|com\\.microsoft\\.teams|com\\.google\\.android\\.apps\\.messaging|com\\.samsung\\.android\\.messaging|com\\.android\\.mms|com\\.viber\\.voip|jp\\.naver\\.line\\.android|com\\.tencent\\.mm|com\\.kakao\\.talk|im\\.vector\\.app|ch\\.threema\\.app|com\\.wire|chat\\.rocket\\.android|com\\.mattermost\\.rn|com\\.beeper\\.android)$'},
               {'name': 'Android social apps',
                'category': 'social',
                'package': '^(com\\.instagram\\.android|com\\.instagram\\.barcelona|com\\.facebook\\.katana|com\\.facebook\\.lite|com\\.twitter\\.android|com\\.reddit\\.frontpage|com\\.zhiliaoapp\\.musically|com\\.ss\\.android\\.ugc\\.trill|com\\.snapchat\\.android|com\\.linkedin\\.android|xyz\\.blueskyweb\\.app|org\\.joinmastodon\\.android|com\\.pinterest|com\\.tumblr|com\\.bereal\\.ft)$'},
               {'name': 'call apps',
                'category': 'calls',
                'app': '^(zoom|zoom\\.us|zoom-meetings|caphost|cpthost|webex|ciscowebexstart|ciscocollabhost|atmgr|facetime|jitsi-meet|skype-call)$'},
               {'name': 'meeting window of a chat app',
                'category': 'calls',
                'app': '^(ms-teams|teams|microsoft teams|microsoft teams \\(work or '
                       'school\\)|teams-for-linux|slack|discord|skype|skypeforlinux)$',
                'title': '(^|\\W)(meeting|call with|calling|huddle|voice connected|in '
                         'call)(\\W|$)'},
               {'name': 'video call in a browser',
                'category': 'calls',
                'browser_title': '(^|\\) |[|·•:–—-] )(google meet|zoom meeting|zoom '
                                 'workplace|zoom|jitsi meet|whereby|webex '
                                 'meeting|webex|facetime)( [|·•–—-] |$)|(^|\\W)(meet - '
                                 '[a-z]{3}-[a-z]{4}-[a-z]{3}|meet\\.jit\\.si)(\\W|$)'},
               {'name': 'Teams call in a browser',
                'category': 'calls',
                'title': 'meeting|call',
                'browser_title': '\\| microsoft teams'},
               {'name': 'chat apps',
                'category': 'messaging',
                'app': '^(slack|discord|discord-?canary|discord-?ptb|vesktop|webcord|telegram|telegram-desktop|telegramdesktop|ayugram|kotatogram|signal|signal-desktop|signal-desktop-beta|whatsapp|whatsapp\\.root|whatsapp-for-linux|whatsdesk|zapzap|wasistlos|element|element-desktop|nheko|fractal|messenger|caprine|ms-teams|teams|microsoft '
                       'teams|microsoft teams \\(work or '
                       'school\\)|teams-for-linux|skype|skypeforlinux|lync|mattermost|mattermost-desktop|rocket\\.chat|rocketchat-desktop|zulip|wire|threema|viber|line|wechat|weixin|qq|kakaotalk|hexchat|pidgin|dino|gajim|kopete|konversation|weechat|irssi|ferdium|franz|rambox|beeper|messages|imessage|google '
                       'chat)$'},
               {'name': 'social apps',
                'category': 'social',
                'app': '^(facebook|instagram|twitter|x|tweetdeck|reddit|tiktok|linkedin|bluesky|tokodon|tuba|whalebird|mastodon|ivory|ice '
                       'cubes|threads|snapchat|pinterest|tumblr)$'},
               {'name': 'chat in a browser',
                'category': 'messaging',
                'browser_title': '(^|\\) |[|·•:–—-] )(whatsapp( '
                                 'web)?|messenger|slack|discord|telegram( web)?|google chat|chat '
                                 '- google|microsoft teams|element|signal)( [|·•–—-] '
                                 '|$)|^#[\\w-]+ \\| .* - '
                                 'discord|(^|\\W)(web\\.whatsapp\\.com|app\\.slack\\.com|discord\\.com/channels|web\\.telegram\\.org|chat\\.google\\.com|teams\\.microsoft\\.com|messenger\\.com)'},
               {'name': 'social sites in a browser',
                'category': 'social',
                'browser_title': '(^|\\) |[|·•:–—-] '
                                 ')(facebook|instagram|x|twitter|reddit|linkedin|tiktok|bluesky|mastodon|threads)( '
                                 '[|·•–—-] |$)|(^|\\W)(on x|on twitter|on instagram|on tiktok|on '
                                 'bluesky|on linkedin): |( / x| / twitter)( [|·•–—-] '
                                 '|$)|^(\\(\\d+\\) )?r/\\w+|(^|\\W)mastodon\\.\\w+|\\w - '
                                 'reddit|reddit - |\\| facebook( |$)|\\| linkedin( '
                                 '|$)|@[\\w.-]+\\.(social|online|mastodon)\\b|(^|\\W)(www\\.)?(facebook|instagram|reddit|linkedin|tiktok|bsky)\\.(com|app)'},
               {'name': 'store apps on Windows',
                'category': 'messaging',
                'app': '^applicationframehost$',
                'title': '^(whatsapp|messenger|telegram|skype|microsoft teams)$'},
               {'name': 'social store apps on Windows',
                'category': 'social',
                'app': '^applicationframehost$',
                'title': '^(instagram|facebook|tiktok|x|twitter|linkedin)$'}],
     'calendar': {'sources': [],
                  'owner_emails': [],
                  'hybrid': 'in_person',
                  'refresh_minutes': 15,
                  'deadline_seconds': 30,
                  'in_person_tags': ['in-person',
                                     'in person',
                                     'onsite',
                                     'on-site',
                                     'offline',
                                     'face-to-face',
                                     'irl'],
                  'virtual_tags': ['virtual', 'online', 'remote', 'video call', 'phone call'],
                  'solo_titles': ['focus',
                                  'lunch',
                                  'gym',
                                  'flight',
                                  'commute',
                                  'travel',
                                  'hold',
                                  'ooo',
                                  'out of office',
                                  'blocked',
                                  'busy'],
                  'conference_domains': [],
                  'social_words': ['lunch',
                                   'dinner',
                                   'coffee',
                                   'drinks',
                                   'drink',
                                   'beer',
                                   'beers',
                                   'breakfast',
                                   'brunch',
                                   'tea',
                                   'party',
                                   'birthday',
                                   'bday',
                                   'wedding',
                                   'visit',
                                   'walk',
                                   'hike',
                                   'run',
                                   'game',
                                   'games',
                                   'movie',
                                   'movies',
                                   'cinema',
                                   'concert',
                                   'show',
                                   'gig',
                                   'picnic',
                                   'bbq',
                                   'barbecue',
                                   'date',
                                   'climbing',
                                   'bouldering',
                                   'tennis',
                                   'football',
                                   'soccer',
                                   'museum',
                                   'playdate',
                                   'meetup',
                                   'catch up',
                                   'catch-up',
                                   'hang out',
                                   'mittagessen',
                                   'abendessen',
                                   'essen',
                                   'frühstück',
                                   'kaffee',
                                   'kuchen',
                                   'feier',
                                   'geburtstag',
                                   'besuch',
                                   'spaziergang',
                                   'wanderung',
                                   'kino',
                                   'konzert',
                                   'grillen',
                                   'treffen',
                                   'déjeuner',
                                   'dîner',
                                   'café',
                                   'apéro',
                                   'verre',
                                   'fête',
                                   'anniversaire',
                                   'visite',
                                   'balade',
                                   'randonnée',
                                   'ciné',
                                   'cinéma',
                                   'almuerzo',
                                   'comida',
                                   'cena',
                                   'desayuno',
                                   'copas',
                                   'fiesta',
                                   'cumpleaños',
                                   'paseo',
                                   'visita',
                                   'cine',
                                   'concierto',
                                   'pranzo',
                                   'colazione',
                                   'aperitivo',
                                   'festa',
                                   'compleanno',
                                   'jantar',
                                   'almoço'],
                  'owner_names': []},
     'nudges': {'max_per_day': 4,
                'phubbing': {'enabled': True, 'grace_seconds': 60, 'max_per_meeting': 2},
                'focus': {'enabled': True,
                          'grace_seconds': 60,
                          'cooldown_minutes': 15,
                          'heads_up': True},
                'crowding_out': {'enabled': True, 'budget_minutes': 60, 'cooldown_minutes': 120},
                'reconnect': {'enabled': True, 'days': 3},
                'daily_summary': {'enabled': True, 'at': '20:00'},
                'welcome_back': {'enabled': True, 'min_away_minutes': 45}},
     'quiet_hours': {'start': '22:00', 'end': '08:00'},
     'focus': {'auto': True, 'lead_minutes': 30, 'do_not_disturb': False},
     'devices': {'folder': '', 'name': '', 'every_minutes': 5},
     'privacy': {'store_titles': False, 'exclude_titles': []}}
    )
