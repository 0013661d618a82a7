// Command perf runs occbench's render path on a folder of JPEG photographs, the job that
// scripts/bench_vs_pillow.sh compares with Pillow: decode each photo once, resize to
// 224x224 (synth/preprocess, Pillow's antialiased bilinear), composite a 10% and a 20%
// objects30 occluder at the center onto a copy (occluders.Composite, only the occluder's
// rectangle is touched and restored) and encode each as JPEG quality 90. It prints output
// images per second as JSON. With -occluders DIR it first writes the two occluders (PNG)
// and their positions (occluders.json) for the Pillow script.
package main
