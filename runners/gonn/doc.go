// Package gonn is the Go runner's engine: the networks (resnet-mini, ResNet18, ResNet50,
// VGG16) as gorgonia graphs, the classical and DFV-augmentation trainers of PROTOCOL.md
// section 1, the on-the-fly occluded evaluator, and safetensors checkpoints with torchvision
// parameter names.
//
// One Model owns the weights (float32 tensors, torchvision names and layouts). Graphs are
// built from it and bind those same tensors, so a training graph (batch norm in training
// mode) and an inference graph (batch norm with running statistics) share weights without
// copying; gorgonia fixes every shape, batch included, when a graph is built, so graphs are
// cached per batch size. The hot pieces (convolution, batch norm + ReLU, residual add + ReLU,
// pooling) are custom gorgonia ops with their own backward ops (ops*.go): gorgonia still
// builds the graph and its gradient (G.Grad) and runs it on its tape machine.
package gonn
