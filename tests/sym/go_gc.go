// Fixture: a large heap of pointers that the GC marks again and again, for
// ARGV[1] seconds: its mark workers spend long runs in runtime.systemstack.
package main

import (
	"os"
	"runtime"
	"strconv"
	"time"
)

type node struct {
	left, right *node
	pad         [4]*node
}

func build(depth int) *node {
	if depth == 0 {
		return &node{}
	}
	return &node{left: build(depth - 1), right: build(depth - 1)}
}

var tree *node

func main() {
	secs, _ := strconv.ParseFloat(os.Args[1], 64)
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	tree = build(20)
	for time.Now().Before(deadline) {
		runtime.GC()
	}
}
