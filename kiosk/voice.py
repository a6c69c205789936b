"""Spoken guidance for each kiosk step: short offline clips (assets/sounds/kiosk/<lang>/<step>.wav,
made by `python -m kiosk.make_clips`). A new step's clip stops the one still playing, so the voice
never lags behind the screen. `KioskVoice` plays through Kivy's SDL2 audio; `RecordingVoice` is its
fake for tests."""
from __future__ import annotations

import logging
from pathlib import Path

CLIPS = Path(__file__).resolve().parent.parent / "assets" / "sounds" / "kiosk"
# What each step says (the clips are generated from these texts by scripts/make_kiosk_clips.py).
GUIDANCE = {
    "vi": {
        "home": "Xin kính chào. Mời chạm vào một ô trên màn hình, hoặc đưa mã QR trên giấy tiếp nhận "
                "trước camera.",
        "lookup_code": "Mời đưa mã QR trên giấy tiếp nhận trước camera, hoặc nhập mã hồ sơ.",
        "lookup_secret": "Mời nhập mã tra cứu gồm sáu chữ số, in trên giấy tiếp nhận.",
        "lookup_result": "Đây là tình trạng hồ sơ của ông bà.",
        "ticket_service": "Mời chạm vào lĩnh vực cần giải quyết.",
        "ticket_priority": "Mời chọn đối tượng ưu tiên. Cán bộ sẽ kiểm tra giấy tờ tại quầy.",
        "ticket_printed": "Mời nhận phiếu bên dưới và chờ gọi số.",
        "ticket_unprinted": "Máy in gặp sự cố. Xin ghi nhớ số trên màn hình. Đã báo cán bộ.",
        "ticket_closed": "Hiện không trong giờ cấp số thứ tự.",
        "ticket_no_printer": "Máy in tạm ngừng. Xin mời đến quầy để được cấp số.",
        "procedures_list": "Mời chạm vào thủ tục cần xem.",
        "idle_warning": "Màn hình sắp trở về trang chủ. Chạm vào màn hình để tiếp tục.",
    },
    "en": {
        "home": "Welcome. Touch a tile on the screen, or show the QR code on your receipt to the camera.",
        "lookup_code": "Show the QR code on your receipt to the camera, or type the dossier code.",
        "lookup_secret": "Type the six digit lookup code printed on your receipt.",
        "lookup_result": "This is the status of your dossier.",
        "ticket_service": "Touch the service you need.",
        "ticket_priority": "Choose your priority group. Staff will check your papers at the counter.",
        "ticket_printed": "Please take your ticket below and wait for your number.",
        "ticket_unprinted": "The printer has a problem. Please remember the number on the screen. "
                            "Staff have been told.",
        "ticket_closed": "Tickets are not issued at this time.",
        "ticket_no_printer": "The ticket printer is out of service. Please go to a counter.",
        "procedures_list": "Touch the procedure you want to read about.",
        "idle_warning": "The screen will go back to the start. Touch the screen to continue.",
    },
}
log = logging.getLogger("kiosk.voice")


def clip_path(step: str, lang: str, folder: Path = CLIPS) -> Path:
    """Where the clip for `step` in `lang` lives."""
    return folder / lang / f"{step}.wav"


class KioskVoice:
    """Plays one guidance clip at a time (non-blocking); a missing clip or sound card is logged once."""

    def __init__(self, folder: Path = CLIPS):
        """`folder` holds one sub-folder of clips per language."""
        self.folder = folder
        self._sound = None
        self._warned: set[str] = set()

    def say(self, step: str, lang: str) -> None:
        """Stop what is playing and play the clip for `step` (nothing if there is none)."""
        from kivy.core.audio import SoundLoader

        self.stop()
        path = clip_path(step, lang, self.folder)
        if not path.exists():
            return
        sound = SoundLoader.load(str(path))
        if sound is None:
            if "load" not in self._warned:
                self._warned.add("load")
                log.warning("guidance clips cannot be played (no audio device?)")
            return
        self._sound = sound
        sound.play()

    def stop(self) -> None:
        """Stop the clip playing now."""
        if self._sound is not None:
            self._sound.stop()
            self._sound.unload()
            self._sound = None


class RecordingVoice:
    """Fake voice: records (step, lang) of each clip that exists, like the real one would play."""

    def __init__(self, folder: Path = CLIPS):
        self.folder = folder
        self.said: list[tuple[str, str]] = []

    def say(self, step: str, lang: str) -> None:
        """Record the clip that would play."""
        if clip_path(step, lang, self.folder).exists():
            self.said.append((step, lang))

    def stop(self) -> None:
        """Nothing is playing."""
