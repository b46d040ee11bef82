"""Language tags: what a file declares, what its path says, and which one a file is checked as.

Tags are validated and normalised by ``langcodes`` (BCP 47, the IANA registry): a gettext
locale ``pt_BR.UTF-8`` becomes ``pt-BR``, ``sr@latin`` becomes ``sr-Latn``, ``iw`` becomes
``he``; what the registry does not know (``xx``, ``C``, ``LC_MESSAGES``) is no language.

Precedence, highest first: the settings (command line, then config) > the file's own
declaration (a PO ``Language:`` header, XLIFF language attributes) > a locale in its path >
English.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from mtqa.document import LanguageFrom, Languages

DEFAULT_TARGET = "en"

# language[_territory or -script...][.codeset][@modifier], as gettext and BCP 47 write it
_LOCALE = re.compile(r"(?P<tag>[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{1,8})*)(?:\.[\w-]+)?(?:@(?P<modifier>\w+))?")
# gettext modifiers that name a script; the others (@euro, @valencia...) add nothing checks use
_SCRIPTS = {"latin": "Latn", "cyrillic": "Cyrl", "arabic": "Arab", "devanagari": "Deva"}
# a locale as file names write it: two-letter language, then Region / 419 / Script in their
# usual case, so that "to_do.txt" (Tongan, Dominican Republic) is no locale
_FILE_NAME_LOCALE = re.compile(r"[a-z]{2}(?:[_-](?:[A-Z]{2}|[0-9]{3}|[A-Z][a-z]{3}))*(?:@[a-z]+)?")


def normalise(tag: str) -> str | None:
    """The BCP 47 form of a language tag or gettext locale, None when it names no language."""
    from langcodes import Language, LanguageTagError

    match = _LOCALE.fullmatch(tag.strip())
    if not match:
        return None
    written = match.group("tag").replace("_", "-")
    script = _SCRIPTS.get((match.group("modifier") or "").lower())
    try:
        parsed = Language.get(written)
    except (LanguageTagError, ValueError):
        return None
    if not parsed.language or not parsed.is_valid():
        return None
    if script and not parsed.script:
        parsed = parsed.update_dict({"script": script})
    return parsed.to_tag()


def base(tag: str) -> str:
    """The language subtag of a normalised tag: ``pt-BR`` → ``pt``, what the checks know."""
    return tag.split("-")[0].lower()


def path_locale(path: str) -> str | None:
    """The locale a path names: ``de/LC_MESSAGES/app.po``, ``po/pt_BR.po``, ``messages.fr.xlf``.

    The folder above ``LC_MESSAGES`` may be any locale (``ast``); a file name's last dotted part
    before the extension only a two-letter language with its region or script in their usual
    case (``de``, ``pt_BR``, ``zh-Hans``, ``sr@latin``): three-letter names such as ``app.po``
    are also ISO 639-3 codes, and ``to_do.txt`` would read as Tongan.
    """
    parts = PurePath(path.replace("\\", "/")).parts
    if "LC_MESSAGES" in parts[:-1]:
        at = parts.index("LC_MESSAGES")
        return normalise(parts[at - 1]) if at > 0 else None
    stem = PurePath(parts[-1]).stem if parts else ""
    last = stem.rsplit(".", 1)[-1]
    return normalise(last) if _FILE_NAME_LOCALE.fullmatch(last) else None


def resolve(
    settings_target: str | None,
    settings_source: str | None,
    declared_target: str | None,
    declared_source: str | None,
    path: str,
) -> Languages:
    """The languages a file is checked as, and where each came from (see the module's order)."""
    if settings_target:
        target, target_from = settings_target, LanguageFrom.SETTINGS
    elif declared_target:
        target, target_from = declared_target, LanguageFrom.FILE
    elif (in_path := path_locale(path)) is not None:
        target, target_from = in_path, LanguageFrom.PATH
    else:
        target, target_from = DEFAULT_TARGET, LanguageFrom.DEFAULT
    if settings_source:
        source, source_from = settings_source, LanguageFrom.SETTINGS
    elif declared_source:
        source, source_from = declared_source, LanguageFrom.FILE
    else:
        source, source_from = None, None
    return Languages(target=target, target_from=target_from, source=source, source_from=source_from)
