"""App texts: assets/i18n/<prefix><lang>.json, Vietnamese first, English as the switch."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

I18N = Path(__file__).resolve().parent.parent / "assets" / "i18n"
LANGUAGES = ("vi", "en")


class Texts:
    """Looks up a dotted key in the chosen language, falling back to Vietnamese."""

    def __init__(self, folder: Path = I18N, prefix: str = ""):
        """Load every language file `<prefix><lang>.json` (the kiosk's have no prefix, the
        counter's are `counter-vi.json`, `counter-en.json`)."""
        self.tables = {lang: json.loads((folder / f"{prefix}{lang}.json").read_text(encoding="utf-8"))
                       for lang in LANGUAGES}

    def has(self, key: str, lang: str = "vi") -> bool:
        """Whether `key` has a text in `lang` (or in Vietnamese, the fallback)."""
        return bool(self.tables.get(lang, {}).get(key) or self.tables["vi"].get(key))

    def get(self, key: str, lang: str = "vi", **values) -> str:
        """The text for `key` with `{name}` placeholders filled; the key itself if missing."""
        text = self.tables.get(lang, {}).get(key) or self.tables["vi"].get(key) or key
        return unicodedata.normalize("NFC", text.format(**values) if values else text)
