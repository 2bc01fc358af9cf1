// Package devprofile writes Go runtime profiles of a provider process for
// developers measuring it (make bench, memory investigations). It is not a
// user setting: it runs only when the environment variable EnvDir names a
// directory, and it writes nothing else anywhere.
package devprofile

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// EnvDir names the directory profiles are written to. Files are named by
// process id: cpu-<pid>.pprof (the whole run), heap-peak-<pid>.pprof (the
// live heap when it was largest, as the garbage collector measured it) and
// heap-end-<pid>.pprof (at exit), goroutines-peak-<pid>.txt (what every
// goroutine was doing at that peak), plus peak-<pid>.txt with the largest live
// heap, the largest heap including garbage not yet collected, and when.
const EnvDir = "PETRA_DEV_PROFILE_DIR"

// pollEvery is how often the heap size is sampled for the peak profile.
const pollEvery = 50 * time.Millisecond

// memProfileRate samples one allocation per this many bytes (the runtime's
// default is 512 KiB), so that small per-request objects show up.
const memProfileRate = 16 << 10

// Start begins profiling when EnvDir is set and returns the function that
// writes the profiles; it must run before the process exits. Without EnvDir
// it does nothing and returns a no-op.
func Start() (stop func()) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintf(os.Stderr, "devprofile: %v\n", err)
		return func() {}
	}
	runtime.MemProfileRate = memProfileRate
	pid := os.Getpid()
	name := func(kind string) string { return filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", kind, pid)) }
	cpu, err := os.Create(name("cpu"))
	if err == nil {
		if err := pprof.StartCPUProfile(cpu); err != nil {
			_ = cpu.Close()
			cpu = nil
		}
	}
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peakLive, peakObjects uint64
	var peakLiveAt time.Duration
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			live, objects := sample[0].Value.Uint64(), sample[1].Value.Uint64()
			peakObjects = max(peakObjects, objects)
			// A live heap at least 5% above the last one recorded: the heap
			// profile now shows the same garbage collection's survivors.
			if live > peakLive+peakLive/20 {
				peakLive, peakLiveAt = live, time.Since(start)
				writeHeap(name("heap-peak"))
				writeGoroutines(filepath.Join(dir, fmt.Sprintf("goroutines-peak-%d.txt", pid)))
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		if cpu != nil {
			pprof.StopCPUProfile()
			_ = cpu.Close()
		}
		writeHeap(name("heap-end"))
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("peak-%d.txt", pid)),
			fmt.Appendf(nil, "live heap peak %d bytes at %s; heap objects peak %d bytes (garbage included); "+
				"HeapSys %d, Sys %d, NumGC %d, run %s\n", peakLive, peakLiveAt.Round(time.Millisecond), peakObjects,
				ms.HeapSys, ms.Sys, ms.NumGC, time.Since(start).Round(time.Millisecond)), 0o600)
	}
}

func writeHeap(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("heap").WriteTo(f, 0)
}

func writeGoroutines(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("goroutine").WriteTo(f, 1)
}
