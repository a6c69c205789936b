"""The USB scanner when the app is busy: keys are timed by the window system's queue (uikit.keyqueue),
so a burst that waited behind a slow frame is still one scan, and a person's pauses still show."""
import time

from kivy_support import QueuedKeys, run_frames
from office_support import OFFICER, applicant

from devices.wedge import WedgeDetector
from office.rules.codes import receipt_qr_payload
from uikit.keyqueue import KeyQueue


class Script:
    """A window system's queue, drained frame by frame: `frames` lists what each drain finds."""

    def __init__(self, frames):
        self.frames = [list(f) + [False] for f in frames]

    def poll(self):
        while self.frames and not self.frames[0]:
            self.frames.pop(0)
        return self.frames[0].pop(0) if self.frames else False


def run(frames, frame_times, detector, keys=None):
    """Drain each frame at its time, handling its keys and polling the detector like the app."""
    now = [0.0]
    queue = keys or KeyQueue(Script(frames), now=lambda: now[0])
    events = []
    for t in frame_times:
        now[0] = t
        events += detector.poll(queue.quiet_until())
        while (event := queue.poll()) is not False:
            if event[0] == "keydown":
                events += detector.feed(event[4], queue.key_time())
    return events


def key(char):
    return ("keydown", 0, ord(char), 0, char)


def test_a_burst_split_by_a_300_ms_frame_is_one_scan_by_the_queue_clock_not_by_handling_time():
    code = "000.31.20.H56-261123-0001|123456"
    first, rest = [key(c) for c in code[:5]], [key(c) for c in code[5:]] + [key("\r")]
    # frame 1 takes five keys; a busy frame of 300 ms; frame 2 takes the rest of the burst
    events = run([first, rest], [0.016, 0.316], WedgeDetector())
    assert events == [("scan", code)]
    # the same keys timed when they are handled: the burst falls apart into typing
    handled = WedgeDetector()
    split = [e for i, c in enumerate(code + "\r") for e in handled.feed(c, 0.016 if i < 5 else 0.316)]
    assert ("scan", code) not in split and ("typed", code[:5]) in split


def test_a_person_typing_between_idle_frames_is_typing():
    frames, times = [], []
    for i, char in enumerate("26"):
        frames += [[key(char)], [], [], [], [], []]  # a key, then five frames with an empty queue
        times += [0.1 * i + 0.016 * k for k in range(6)]
    events = run(frames, times, WedgeDetector())
    assert events == [("typed", "2"), ("typed", "6")]


def test_the_counter_reads_a_receipt_scanned_while_it_is_busy(desk):
    d = desk.svc.receive_dossier("1.001193", "TH5", applicant(), OFFICER)
    for w in desk.app.root.walk(restrict=True):
        w.focus = False if hasattr(w, "focus") else None
    queued = QueuedKeys.install(desk.app)
    try:
        start = time.monotonic() + 0.05
        queued.type(receipt_qr_payload(d.code, d.secret), start)  # ~130 ms of keys, 4 ms apart
        queued.busy(after_keys=5, seconds=0.3)  # a slow frame in the middle of the burst
        run_frames(0.6)
    finally:
        queued.uninstall(desk.app)
    process = desk.screen("process")
    desk.until(lambda: process.dossier is not None, what="the dossier opened by the scan")
    assert desk.app.wedge.scans == [receipt_qr_payload(d.code, d.secret)]
    assert process.dossier.code == d.code and desk.app.root.ids.sm.current == "process"
