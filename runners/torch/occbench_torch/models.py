"""Networks with torchvision parameter names, split into DFV and classifier as PROTOCOL.md section 1 and runners/gonn define them:

The DFV is ``model.dfv(x)``, the classifier ``model.head(v)``.

* resnet-mini: exactly runners/gonn's (conv1/bn1, layer{s}.{i} BasicBlocks, trans{k}.conv/.bn,
  global average pool, fc), so checkpoints move between the runners;
* resnet18, resnet50: torchvision's; DFV = the pooled feature;
* vgg16: torchvision's names; DFV = the 4096-D second FC output after ReLU; dropout omitted
  and no adaptive pool (classifier.0 takes 512*(S/32)^2 inputs), as the Go runner;
* iresnet50: LResNet50E-IR (insightface's iresnet50 names) for AR, DFV = the 512-D
  embedding; its classifier is ``classifier`` (a new layer on a user checkpoint).
"""
import math

import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock, Bottleneck

from . import keyed

HEADS = {"vgg16": "classifier.6", "iresnet50": "classifier"}


def head_name(arch):
    return HEADS.get(arch, "fc")


class TVResNet(torchvision.models.ResNet):
    def dfv(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(self.avgpool(x), 1)

    def head(self, v):
        return self.fc(v)

    def forward(self, x):
        return self.head(self.dfv(x))


class ResNetMini(nn.Module):
    def __init__(self, num_classes, width=16, depth=1, stages=2):
        super().__init__()
        c = width
        self.conv1 = nn.Conv2d(3, c, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.order = []
        for s in range(stages):
            if s > 0:
                t = nn.Module()
                t.conv = nn.Conv2d(c, 2 * c, 3, 2, 1, bias=False)
                t.bn = nn.BatchNorm2d(2 * c)
                setattr(self, f"trans{s + 1}", t)
                self.order.append(f"trans{s + 1}")
                c *= 2
            layer = nn.Sequential(*[BasicBlock(c, c) for _ in range(depth)])
            setattr(self, f"layer{s + 1}", layer)
            self.order.append(f"layer{s + 1}")
        self.feature_dim = c
        self.fc = nn.Linear(c, num_classes)

    def dfv(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        for name in self.order:
            m = getattr(self, name)
            h = torch.relu(m.bn(m.conv(h))) if name.startswith("trans") else m(h)
        return h.mean(dim=(2, 3))

    def head(self, v):
        return self.fc(v)

    def forward(self, x):
        return self.head(self.dfv(x))


class VGG16(nn.Module):
    CFG = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]

    def __init__(self, num_classes, input_size):
        super().__init__()
        layers, cin, side = [], 3, input_size
        for v in self.CFG:
            if v == 0:
                layers.append(nn.MaxPool2d(2, 2))
                side //= 2
            else:
                layers += [nn.Conv2d(cin, v, 3, 1, 1), nn.ReLU(inplace=True)]
                cin = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(512 * side * side, 4096), nn.ReLU(inplace=True), nn.Identity(),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Identity(),
            nn.Linear(4096, num_classes))
        self.feature_dim = 4096

    def dfv(self, x):
        h = torch.flatten(self.features(x), 1)
        for i in range(6):
            h = self.classifier[i](h)
        return h

    def head(self, v):
        return self.classifier[6](v)

    def forward(self, x):
        return self.head(self.dfv(x))


class IBasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-05)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-05)
        self.prelu = nn.PReLU(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-05)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + (self.downsample(x) if self.downsample is not None else x)


class IResNet50(nn.Module):
    """insightface arcface_torch iresnet50 (LResNet50E-IR), 112 x 112 input."""

    def __init__(self, num_classes, input_size=112):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64, eps=1e-05)
        self.prelu = nn.PReLU(64)
        self.layer1 = self._make(64, 3)
        self.layer2 = self._make(128, 4)
        self.layer3 = self._make(256, 14)
        self.layer4 = self._make(512, 3)
        self.bn2 = nn.BatchNorm2d(512, eps=1e-05)
        side = input_size // 16
        self.fc = nn.Linear(512 * side * side, 512)
        self.features = nn.BatchNorm1d(512, eps=1e-05)  # insightface's name for the embedding BN
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False
        self.classifier = nn.Linear(512, num_classes)
        self.feature_dim = 512

    def _make(self, planes, blocks):
        down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, 2, bias=False), nn.BatchNorm2d(planes, eps=1e-05))
        layers = [IBasicBlock(self.inplanes, planes, 2, down)]
        self.inplanes = planes
        layers += [IBasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def dfv(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.bn2(x), 1)
        return self.features(self.fc(x))

    def head(self, v):
        return self.classifier(v)

    def forward(self, x):
        return self.head(self.dfv(x))


def build(network):
    arch, k, s = network["arch"], network["num_classes"], network["input_size"]
    if arch == "resnet-mini":
        m = ResNetMini(k, network.get("width") or 16, network.get("depth") or 1, network.get("stages") or 2)
    elif arch == "resnet18":
        m = TVResNet(BasicBlock, [2, 2, 2, 2], num_classes=k)
        m.feature_dim = 512
    elif arch == "resnet50":
        m = TVResNet(Bottleneck, [3, 4, 6, 3], num_classes=k)
        m.feature_dim = 2048
    elif arch == "vgg16":
        if s % 32:
            raise ValueError(f"network.input_size: vgg16 needs a multiple of 32, got {s}")
        m = VGG16(k, s)
    elif arch == "iresnet50":
        m = IResNet50(k, s)
    else:
        raise ValueError(f"network.arch: unknown network {arch!r}")
    m.arch = arch
    return m


def arch_meta(network):
    """The "occbench.arch" checkpoint metadata (gonn.Arch as Go marshals it, with defaults)."""
    import json
    mini = network["arch"] == "resnet-mini"
    a = {"Name": network["arch"], "NumClasses": network["num_classes"], "InputSize": network["input_size"],
         "Width": (network.get("width") or 16) if mini else network.get("width", 0),
         "Depth": (network.get("depth") or 1) if mini else network.get("depth", 0),
         "Stages": (network.get("stages") or 2) if mini else network.get("stages", 0)}
    return json.dumps(a, separators=(",", ":"))


def init_random(model, seed):
    """Random init keyed by the seed (the same draws as gonn's rules: conv Kaiming-normal
    fan_out, batch norm 1/0, linear uniform +-1/sqrt(fan_in); not the same numbers)."""
    g = torch.Generator().manual_seed(keyed.rand(seed, "init", "torch").uint64() & ((1 << 63) - 1))
    with torch.no_grad():
        for _, mod in model.named_modules():
            if isinstance(mod, nn.Conv2d):
                fan_out = mod.out_channels * mod.kernel_size[0] * mod.kernel_size[1]
                mod.weight.copy_(torch.randn(mod.weight.shape, generator=g) * math.sqrt(2 / fan_out))
                if mod.bias is not None:
                    mod.bias.zero_()
            elif isinstance(mod, (nn.BatchNorm2d, nn.BatchNorm1d)):
                if mod.weight is not None:
                    mod.weight.fill_(1)
                    mod.bias.zero_()
                mod.running_mean.zero_()
                mod.running_var.fill_(1)
            elif isinstance(mod, nn.Linear):
                bound = 1 / math.sqrt(mod.in_features)
                mod.weight.copy_((torch.rand(mod.weight.shape, generator=g) * 2 - 1) * bound)
                mod.bias.copy_((torch.rand(mod.bias.shape, generator=g) * 2 - 1) * bound)


def channels_of(model):
    """Output channels of each parameter's layer (the frozen-layer rule reads it), and the
    set of classifier parameter names."""
    ch = {}
    for mname, mod in model.named_modules():
        n = None
        if isinstance(mod, nn.Conv2d):
            n = mod.out_channels
        elif isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = mod.num_features
        elif isinstance(mod, nn.Linear):
            n = mod.out_features
        elif isinstance(mod, nn.PReLU):
            n = mod.num_parameters
        if n is None:
            continue
        for pname, _ in mod.named_parameters(recurse=False):
            ch[f"{mname}.{pname}" if mname else pname] = n
    return ch


def trainable_names(model, min_channels):
    """gonn.Trainable: the classifier always, other layers with >= min_channels outputs."""
    head = head_name(model.arch) + "."
    ch = channels_of(model)
    out = set()
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith(head) or ch.get(name, 0) >= min_channels:
            out.add(name)
    return out


def frozen_bns(model, min_channels):
    """Batch-norm modules whose layer is frozen: they run on running statistics in training."""
    if min_channels <= 0:
        return []
    return [m for m in model.modules()
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.num_features < min_channels]
