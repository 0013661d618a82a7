// Package weightstest writes weights files with the real tensor names and shapes of the
// paper's networks (runners.Tensors: torchvision's resnet18, resnet50 and vgg16,
// insightface's iresnet50) and random values, as safetensors, for tests of the weights
// check and of paper-profile runs. Files are written once per test binary and network
// (resnet50 is about 100 MB in float32): ask for them only in the tests that need them.
package weightstest
