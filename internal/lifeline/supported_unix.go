//go:build unix

package lifeline

// supported: a Unix process whose parent dies is re-parented (to init or a
// subreaper), so its parent id changes.
const supported = true
