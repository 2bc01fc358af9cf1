//go:build !unix

package lifeline

// supported: elsewhere (Windows) the parent id does not change when the
// parent dies, so the watch is off.
const supported = false
