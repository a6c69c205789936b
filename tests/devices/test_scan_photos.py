"""zxing-cpp's own sample photos (Apache-2.0) at 0/90/180/270°: our pipeline reads at least what
raw zxing-cpp reads, and never a wrong text (any text is accepted here: these are not receipts)."""
from devices.decoders import ScanPipeline, ZxingDecoder
from testkit.photos import ROTATIONS, photos, rotated


def test_the_sample_photos_read_at_least_as_well_as_raw_zxing_and_never_wrong():
    ours = ScanPipeline(accept=lambda symbology, text: text)
    raw = ZxingDecoder()
    tally = {"ours": {"read": 0, "wrong": 0, "missed": 0}, "raw": {"read": 0, "wrong": 0, "missed": 0}}
    turned_code128 = [0, 0]
    for photo in photos():
        for angle in ROTATIONS:
            frame = rotated(photo.image, angle)
            verdict = photo.judge(ours.read(frame).scan)
            tally["ours"][verdict] += 1
            texts = [f.text for f in raw.find(frame)]
            tally["raw"][photo.judge(texts[0] if texts else None)] += 1
            if photo.symbology == "code128" and angle in (90, 270):
                turned_code128[0] += verdict == "read"
                turned_code128[1] += 1
    assert tally["ours"]["wrong"] == 0, tally
    assert tally["ours"]["read"] >= tally["raw"]["read"], tally
    assert sum(tally["ours"].values()) == 4 * len(photos()) > 600
    assert turned_code128[0] == turned_code128[1] == 44  # a Code128 turned 90° reads like an upright one
