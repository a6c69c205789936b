"""`main.py display`: open the hall board on the PC behind the TV, following a hub.

Imports nothing heavy at module level: main.py reads the options of every subcommand."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from office.cli import add_command, add_token, token


def register(subparsers) -> None:
    """`main.py display` and its options."""
    parser = add_command(subparsers, "display", display_command, "open the hall display board (calls, counters, "
                         "waiting counts) with offline Vietnamese voice calling")
    parser.add_argument("--hub", required=True, metavar="URL", help="office hub URL, e.g. http://192.168.1.10:8470")
    add_token(parser, "this board's device token (`main.py hub enroll --role display`)")
    parser.add_argument("--fullscreen", action="store_true", help="fullscreen, no cursor (the hall TV)")
    parser.add_argument("--portrait", action="store_true", help="window shaped 1080×1920 instead of 1920×1080")
    parser.add_argument("--sounds", type=Path, help="folder of recorded clips (same names as assets/sounds/vi/); "
                        "clips missing there come from the default set")
    parser.add_argument("--no-voice", action="store_true", help="show calls without speaking them")
    parser.add_argument("--exit-after-start", action="store_true", help=argparse.SUPPRESS)


def display_command(args) -> int:
    """Check the clips, open the board window and run until it is closed."""
    from display.voice import DEFAULT_CLIPS, ClipSet, Voice, VoiceError
    from office.config import DEFAULT_VOICE_TEMPLATE

    device_token = token(args)
    if not device_token:
        print("error: the board needs its token (--token-file FILE or $MOTCUA_TOKEN; from "
              "`main.py hub enroll --role display`)", file=sys.stderr)
        return 2
    announcer = None
    if not args.no_voice:
        if args.sounds is not None and not args.sounds.is_dir():
            print(f"error: --sounds {args.sounds}: không có thư mục này / no such folder", file=sys.stderr)
            return 2
        clips = ClipSet(*([args.sounds] if args.sounds else []), DEFAULT_CLIPS)
        voice = Voice(clips, DEFAULT_VOICE_TEMPLATE)
        try:
            voice.check()
        except VoiceError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    from uikit.boot import environment

    environment()  # before the first kivy import
    from kivy.config import Config

    if args.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "show_cursor", "0")
    else:
        width, height = (1080, 1920) if args.portrait else (1920, 1080)
        Config.set("graphics", "width", str(width // 2))
        Config.set("graphics", "height", str(height // 2))
    from devices.speaker import SdlPlayer
    from display.announcer import Announcer
    from display.app import BoardApp
    from hub.client import HubClient
    from uikit.app import run_app

    if not args.no_voice:
        announcer = Announcer(voice, SdlPlayer(), on_error=lambda message: print(message, file=sys.stderr))
    app = BoardApp(HubClient(args.hub, device_token), announcer)
    if args.exit_after_start:
        from kivy.clock import Clock

        Clock.schedule_once(lambda dt: app.stop(), 1.0)
    run_app(app)
    return 0
