// Package manifests defines the declarative YAML manifest that describes one occluded
// dataset (source, preprocessing, image sets, occluders, patterns, protocol constants),
// loads it strictly, validates it with errors that name the file, line and field, and
// embeds the manifests of the paper's datasets plus fashion-mnist and demo.
package manifests
