"""Crop real photographs into many 300-500 px JPEGs (quality 92) for the Pillow-vs-Go benchmark.

Usage: python3 make_photos.py OUT_DIR COUNT SRC_DIR...   (JPEG/PNG files are searched in SRC_DIRs)
"""
import os, random, sys
from PIL import Image

out, count, srcs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
files = []
for d in srcs:
    for root, _, names in os.walk(d):
        for n in sorted(names):
            if n.lower().endswith((".jpg", ".jpeg", ".png")):
                files.append(os.path.join(root, n))
photos = []
for f in sorted(files):
    try:
        im = Image.open(f).convert("RGB")
    except Exception:
        continue
    if min(im.size) >= 300:
        photos.append(im)
if not photos:
    sys.exit("no photograph of at least 300 px found in %s" % srcs)
rng = random.Random(1)
os.makedirs(out, exist_ok=True)
for i in range(count):
    im = photos[i % len(photos)]
    w, h = rng.randint(300, 500), rng.randint(300, 500)
    # Scale big photos down first so a crop keeps a natural field of view.
    s = max(w / im.width, h / im.height, rng.uniform(0.15, 0.6))
    big = im.resize((max(w, int(im.width * s)), max(h, int(im.height * s))), Image.BILINEAR)
    x, y = rng.randint(0, big.width - w), rng.randint(0, big.height - h)
    big.crop((x, y, x + w, y + h)).save(os.path.join(out, "photo_%04d.jpg" % i), quality=92)
print("%d photos from %d sources" % (count, len(photos)), file=sys.stderr)
