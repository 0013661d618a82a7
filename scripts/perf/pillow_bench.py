"""The Pillow job the Go engine is compared with, on one core: every output image is a photo
decoded from JPEG, resized to 224x224 (bilinear), with one occluder pasted through its alpha
mask, encoded as JPEG quality 90. Photos are read into memory first (the Go side does the
same). Prints output images per second.

MODE straightforward: each output image is made from scratch (open, decode, resize, paste,
save), as a simple script does. MODE shared: a photo is decoded and resized once and every
pattern is pasted onto a copy (the same reuse the Go engine does).

Usage: python3 pillow_bench.py PHOTO_DIR OCCLUDER_DIR ROUNDS MODE
"""
import io, json, os, sys, time
from PIL import Image

photo_dir, occ_dir, rounds, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
photos = [open(os.path.join(photo_dir, n), "rb").read() for n in sorted(os.listdir(photo_dir)) if n.endswith(".jpg")]
occs = []
for p in json.load(open(os.path.join(occ_dir, "occluders.json"))):
    occs.append((Image.open(os.path.join(occ_dir, p["file"])).convert("RGBA"), (p["x"], p["y"])))
n = 0
t0 = time.perf_counter()
for _ in range(rounds):
    for data in photos:
        if mode == "shared":
            im = Image.open(io.BytesIO(data)).convert("RGB").resize((224, 224), Image.BILINEAR)
        for occ, pos in occs:
            if mode == "shared":
                out = im.copy()
            else:
                out = Image.open(io.BytesIO(data)).convert("RGB").resize((224, 224), Image.BILINEAR)
            out.paste(occ, pos, occ)
            buf = io.BytesIO()
            out.save(buf, "JPEG", quality=90)
            n += 1
dt = time.perf_counter() - t0
print(json.dumps({"engine": "pillow " + Image.__version__ + " " + mode, "patterns": len(occs), "images": n, "seconds": dt, "images_per_sec": n / dt}))
