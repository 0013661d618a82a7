"""Unit tests of the PyTorch runner (run: cd runners/torch && python3 -m unittest discover -s tests -t .)."""
import copy
import json
import os
import tempfile
import unittest

import numpy as np
import torch

from occbench_torch import augment, data, engine, keyed, models, premise, run, spec as specmod, weights


def tiny_spec(**kw):
    s = {"version": 1, "shards": "x", "pattern_pack": "p",
         "network": {"arch": "resnet-mini", "num_classes": 3, "input_size": 16, "width": 4},
         "init": {"kind": "random"}, "method": "dfv", "alpha": 0.9, "beta": 1, "train_set": "trn_c",
         "iop_set": "iop", "epochs": 2, "batch_size": 4,
         "optimizer": {"name": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 0.0005},
         "schedule": {"name": "cosine"}, "augmentation": {"hflip": True}, "freeze": {"min_channels": 0}, "seed": 3}
    s.update(kw)
    return specmod.loads(json.dumps(s))


def tiny_pack():
    occ = np.zeros((5, 6, 4), dtype=np.uint8)
    occ[..., 0] = 200
    occ[..., 3] = 255
    occ[0, 0, 3] = 0
    occ[1, 1, 3] = 77
    pats = [{"id": 0, "name": "a", "ratio": 0.1, "position": "center", "x": 5, "y": 5, "w": 6, "h": 5, "file": "o.png"},
            {"id": 1, "name": "b", "ratio": 0.1, "position": "random", "x": 0, "y": 11, "w": 6, "h": 5, "file": "o.png"}]
    return data.Pack({"patterns": pats}, {"o.png": occ})


def tiny_data(n=12):
    g = np.random.default_rng(0)
    imgs = g.integers(0, 256, size=(n, 16, 16, 3), dtype=np.uint8)
    labels = np.arange(n) % 3
    train = data.Split("trn_c", imgs, labels)
    iop = data.Pairs(data.Split("iop", imgs[:3], labels[:3]), patterns=tiny_pack().patterns)
    return train, iop


class TestSpec(unittest.TestCase):
    def test_strict(self):
        with self.assertRaisesRegex(specmod.SpecError, 'unknown field "sed"'):
            specmod.loads(json.dumps(dict(version=1, sed=1)))
        with self.assertRaisesRegex(specmod.SpecError, "version: got 2"):
            tiny_spec(version=2)

    def test_go_float(self):
        for f, want in [(1.0, "1"), (0.9, "0.9"), (0.0005, "0.0005"), (1e-7, "1e-7"), (1e21, "1e+21"),
                        (123456.5, "123456.5"), (0.000001, "0.000001"), (2.5e-10, "2.5e-10")]:
            self.assertEqual(specmod.go_float(f), want)


class TestComposite(unittest.TestCase):
    def test_formula_and_clipping(self):
        img = torch.full((2, 16, 16, 3), 10, dtype=torch.uint8)
        occ = torch.from_numpy(tiny_pack().images["o.png"])
        out = data.composite_(img.clone(), occ, 13, -2)  # clipped on two sides
        a = 255
        want = (200 * a + 10 * (255 - a) + 127) // 255
        self.assertEqual(int(out[0, 0, 13, 0]), want)
        self.assertEqual(int(out[0, 0, 12, 0]), 10)   # outside the occluder
        self.assertEqual(int(out[0, 0, 13, 1]), 0)    # G of the occluder (0) at alpha 255
        img2 = data.composite_(img.clone(), occ, 0, 0)
        self.assertEqual(int(img2[0, 0, 0, 0]), 10)   # alpha 0 leaves the pixel
        self.assertEqual(int(img2[0, 1, 1, 0]), (200 * 77 + 10 * 178 + 127) // 255)


class TestTrainer(unittest.TestCase):
    def make(self, s, seed_model=None):
        m = models.build(s["network"])
        models.init_random(m, 1)
        if seed_model is not None:
            m.load_state_dict(seed_model.state_dict())
        return m, engine.Trainer(m, s, torch.device("cpu"), eval_batch=4)

    def test_bank_synced_at_epoch_start_in_eval_mode(self):
        s = tiny_spec()
        train, iop = tiny_data()
        pack = tiny_pack()
        m, tr = self.make(s)
        seen = []
        orig = tr.sync_bank

        def spy(iop_, pack_):
            bank = orig(iop_, pack_)
            # the DV copy holds exactly the trained weights and statistics at this moment
            for (n, a), (_, b) in zip(m.state_dict().items(), tr.dv_model.state_dict().items()):
                self.assertTrue(torch.equal(a, b), n)
            self.assertFalse(tr.dv_model.training)
            self.assertTrue(all(not p.requires_grad for p in tr.dv_model.parameters()))
            # bank = DFV(occluded) - DFV(clean) in inference mode, recomputed independently
            ref = copy.deepcopy(m).eval()
            with torch.no_grad():
                c, o = iop_.batch(0, len(iop_), pack_, "cpu")
                want = ref.dfv(augment.normalize(o)) - ref.dfv(augment.normalize(c))
            self.assertTrue(torch.allclose(bank, want, atol=1e-5))
            seen.append(bank.clone())
            return bank

        tr.sync_bank = spy
        tr.train(train, iop, pack)
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[0].shape, (len(iop), m.feature_dim))
        self.assertFalse(torch.equal(seen[0], seen[1]), "the bank must change after an epoch of training")

    def test_no_gradient_through_bank(self):
        s = tiny_spec(epochs=1)
        train, iop = tiny_data()
        m, tr = self.make(s)
        tr.train(train, iop, tiny_pack())
        self.assertFalse(tr.bank.requires_grad)
        self.assertTrue(all(p.grad is None for p in tr.dv_model.parameters()))

    def test_alpha0_equals_classical(self):
        train, iop = tiny_data()
        pack = tiny_pack()
        m0 = models.build(tiny_spec()["network"])
        models.init_random(m0, 9)
        a, tra = self.make(tiny_spec(alpha=0), m0)
        b, trb = self.make(tiny_spec(method="classical"), m0)
        ca = tra.train(train, iop, pack)
        cb = trb.train(train, None, pack)
        for x, y in zip(ca, cb):
            self.assertEqual(x["loss"], y["loss"])
        for (n, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items()):
            self.assertTrue(torch.equal(p, q), n)

    def test_dv_draws_follow_keyed_stream(self):
        s = tiny_spec()
        _, tr = self.make(s)
        tr.bank = torch.arange(10, dtype=torch.float32).view(10, 1).repeat(1, 4)
        d = tr.dv_rows(1, 2, 6)
        r = keyed.rand(3, "dv", 1, 2)
        for i in range(6):
            if r.float64() < 0.9:
                self.assertEqual(float(d[i, 0]), float(r.intn(10)))
            else:
                self.assertEqual(float(d[i].abs().sum()), 0.0)

    def test_freeze_rule(self):
        s = tiny_spec(freeze={"min_channels": 8})
        m, tr = self.make(s)
        names = {n for n, p in m.named_parameters() if p.requires_grad}
        self.assertIn("fc.weight", names)
        self.assertIn("trans2.conv.weight", names)      # 8 channels
        self.assertNotIn("conv1.weight", names)         # 4 channels
        before = {k: v.clone() for k, v in m.state_dict().items()}
        train, iop = tiny_data()
        tr.train(train, iop, tiny_pack())
        after = m.state_dict()
        for k in ("conv1.weight", "bn1.running_mean", "bn1.running_var", "layer1.0.bn1.weight"):
            self.assertTrue(torch.equal(before[k], after[k]), k)
        self.assertFalse(torch.equal(before["fc.weight"], after["fc.weight"]))


def _eval_tiny(n=10, seed=5):
    """engine.evaluate of a fixed random resnet-mini on n random images with tiny_pack."""
    s = tiny_spec()
    m = models.build(s["network"])
    models.init_random(m, seed)
    g = np.random.default_rng(seed)
    test = data.Split("tst", g.integers(0, 256, size=(n, 16, 16, 3), dtype=np.uint8), np.arange(n) % 3)
    pack = tiny_pack()
    return m, test, pack, engine.evaluate(m, test, pack, pack.patterns, 3, torch.device("cpu"), batch=4)


def _eval_rank(rank, world, port, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(world), RANK=str(rank))
    torch.set_num_threads(1)
    _, _, _, (clean, per) = _eval_tiny()
    torch.distributed.destroy_process_group()
    if rank == 0:
        np.save(out, np.stack([clean[2]] + [p[2] for p in per]))


class TestEvaluateHits(unittest.TestCase):
    def test_hits_are_each_images_own_outcome(self):
        m, test, pack, (clean, per) = _eval_tiny()
        m.eval()
        for j, part in enumerate([clean] + per):
            c, t, hits = part
            self.assertEqual(hits.shape, (len(test),))
            self.assertEqual(int(hits.sum()), int(c.sum()))
            for i in range(len(test)):
                img = torch.from_numpy(test.images[i:i + 1].copy())
                if j > 0:
                    img = data.occlude(img, pack, pack.patterns[j - 1])
                with torch.no_grad():
                    pred = int(m(augment.normalize(img)).argmax(1))
                self.assertEqual(bool(hits[i]), pred == int(test.labels[i]), f"part {j} image {i}")

    def test_encode_hits_layout(self):
        # runners.TestHitsLayout: images 0 and 9 of 10 right -> bytes 0x01 0x02 -> "AQI="
        bits = np.zeros(10, dtype=bool)
        bits[[0, 9]] = True
        self.assertEqual(run.encode_hits(bits), "AQI=")
        self.assertEqual(run.encode_hits(np.zeros(0, dtype=bool)), "")

    def test_distributed_hits_gathered_by_image(self):
        # 3 ranks over 10 images (shares 4, 4, 2): the gathered bits equal one process's.
        import socket
        import torch.multiprocessing as mp
        _, _, _, (clean, per) = _eval_tiny()
        want = np.stack([clean[2]] + [p[2] for p in per])
        with socket.socket() as sk:
            sk.bind(("127.0.0.1", 0))
            port = sk.getsockname()[1]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "hits.npy")
            mp.spawn(_eval_rank, args=(3, port, out), nprocs=3, join=True)
            got = np.load(out)
        self.assertTrue(np.array_equal(got, want), f"gathered {got.astype(int)}, single {want.astype(int)}")
        self.assertTrue(want.any() and not want.all(), "a test that cannot tell orders apart")


class TestAugment(unittest.TestCase):
    def test_identity_geometry(self):
        # a geometric path with an identity transform reproduces the plain normalization
        u8 = torch.randint(0, 256, (2, 16, 16, 3), dtype=torch.uint8)
        p = {"flip": False, "geo": True, "crop": None, "theta": 0.0, "tx": 0.0, "ty": 0.0}
        a = augment.apply(u8, [p, dict(p, flip=True)])
        b = augment.normalize(u8)
        self.assertTrue(torch.allclose(a[0], b[0], atol=1e-5))
        self.assertTrue(torch.allclose(a[1], b[1].flip(-1), atol=1e-5))


class TestWeights(unittest.TestCase):
    def test_roundtrip_and_mismatch(self):
        s = tiny_spec()
        m = models.build(s["network"])
        models.init_random(m, 4)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.safetensors")
            weights.write_safetensors(p, weights.occbench_tensors(m), {"occbench.arch": models.arch_meta(s["network"])})
            m2 = models.build(s["network"])
            weights.load_into(m2, p)
            for (n, a), (_, b) in zip(m.state_dict().items(), m2.state_dict().items()):
                if not n.endswith("num_batches_tracked"):
                    self.assertTrue(torch.equal(a, b), n)
            other = models.build(dict(s["network"], width=8))
            with self.assertRaisesRegex(weights.WeightsError, "has shape"):
                weights.load_into(other, p)
            r18 = models.build({"arch": "resnet18", "num_classes": 3, "input_size": 32})
            with self.assertRaisesRegex(weights.WeightsError, "does the file match the network"):
                weights.load_into(r18, p)

    def test_torchvision_names(self):
        for arch, n in [("resnet18", 512), ("resnet50", 2048), ("vgg16", 4096)]:
            m = models.build({"arch": arch, "num_classes": 5, "input_size": 32})
            self.assertEqual(m.eval().dfv(torch.zeros(1, 3, 32, 32)).shape, (1, n))
            names = set(m.state_dict())
            self.assertIn(models.head_name(arch) + ".weight", names)
        tv = __import__("torchvision").models.resnet18()
        ours = models.build({"arch": "resnet18", "num_classes": 1000, "input_size": 224})
        self.assertEqual(set(tv.state_dict()), set(ours.state_dict()))


class TestPremise(unittest.TestCase):
    """The premise work (issue 13): the Go runner's numbers, checked here on the same inputs."""

    def test_normal_draws_match_go(self):
        # gonn.NormalDraws(5, 1, 2, 3, 5) (runners/gonn/dvnoise_test.go asserts the same values)
        want = [-1.2070995722222606, -2.8354146766179404, -1.1877634241879507,
                -0.37814046630607417, -0.022337450176835805]
        got = engine.normal_draws(5, 1, 2, 3, 5)
        for g, w in zip(got, want):
            self.assertAlmostEqual(g, w, places=12)

    def test_reduce_known_answers(self):
        # runners/premise_test.go's case: test DVs a (pattern 7) and b (pattern 9), Iop means -a, -b
        a = torch.tensor([2.0, 0, 0], dtype=torch.float64)
        b = torch.tensor([0, 2.0, 0], dtype=torch.float64)
        feat = torch.tensor([[0, 0, 4.0]] * 3, dtype=torch.float64)
        out = premise.reduce([(-a).unsqueeze(0), (-b).unsqueeze(0)], [7, 9],
                             [a.repeat(3, 1), b.repeat(3, 1)], feat, 2)
        self.assertAlmostEqual(out["dv_transfer_r2"], 1 - 16 / 2)
        self.assertAlmostEqual(out["own_mean_r2"], 1)
        self.assertAlmostEqual(out["within_pattern_cosine"], 1)
        self.assertAlmostEqual(out["across_pattern_cosine"], 0)
        self.assertAlmostEqual(out["dv_norm_relative"], 0.5)

    def test_spec_fields(self):
        s = tiny_spec(classes=[4, 1, 7], dv_source="gaussian", dv_sign=-1)
        self.assertEqual(list(specmod.relabel(s, "t", [7, 4, 1])), [2, 0, 1])
        with self.assertRaises(ValueError):
            specmod.relabel(s, "t", [5])
        for bad in ({"classes": [1, 1, 2]}, {"classes": [0, 1]}, {"dv_source": "uniform"}, {"dv_sign": 2}):
            with self.assertRaises(specmod.SpecError):
                tiny_spec(**bad)
        with self.assertRaises(specmod.SpecError):
            tiny_spec(method="classical", dv_source="bank")

    def test_noise_moments(self):
        g = torch.Generator().manual_seed(0)
        bank = torch.randn(400, 6, generator=g, dtype=torch.float64) * torch.tensor([1, 2, 3, 1, 1, 1.0]) + 5
        kind, mu, L = engine.dv_noise(bank.float(), "gaussian")
        self.assertEqual(kind, "gaussian")
        self.assertTrue(torch.allclose(mu, bank.mean(0), atol=1e-4))
        draws = torch.stack([engine.noise_draw(("gaussian", mu, L), 1, 0, 0, i, 6, "cpu") for i in range(3000)]).double()
        self.assertTrue(torch.allclose(draws.mean(0), mu, atol=0.2))
        self.assertTrue(torch.allclose(draws.std(0), bank.std(0), rtol=0.1))
        kind, sigma = engine.dv_noise(bank.float(), "isotropic")
        self.assertAlmostEqual(sigma, float((bank ** 2).sum(1).mean() / 6) ** 0.5, places=4)


if __name__ == "__main__":
    unittest.main()
