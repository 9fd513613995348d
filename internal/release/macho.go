package main

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"fmt"
	"os"
)

// fatAlign is the alignment of each slice in a universal binary: 2^14, the
// arm64 page size (what lipo uses for arm64, and enough for x86_64).
const fatAlign = 14

// writeUniversal joins thin Mach-O executables (one per CPU) into one
// universal ("fat") binary at out, the format lipo -create writes, so one
// file runs natively on Intel and Apple silicon Macs. Each slice is copied
// byte for byte, so its code signature (the Go linker signs darwin/arm64
// binaries ad hoc) stays valid.
func writeUniversal(out string, thin ...string) error {
	type slice struct {
		cpu, sub uint32
		data     []byte
	}
	var slices []slice
	for _, p := range thin {
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("universal binary: %w", err)
		}
		f, err := macho.NewFile(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("universal binary: %s is not a thin Mach-O file: %w", p, err)
		}
		slices = append(slices, slice{uint32(f.Cpu), f.SubCpu, data})
		_ = f.Close()
	}
	if len(slices) == 0 {
		return fmt.Errorf("universal binary %s: no slices", out)
	}
	// Header: magic and count, then one fat_arch (cputype, cpusubtype,
	// offset, size, align) per slice, all big-endian; the slices follow,
	// each at a multiple of 2^fatAlign.
	var b bytes.Buffer
	hdr := []uint32{macho.MagicFat, uint32(len(slices))}
	offset := uint64(1) << fatAlign
	pad := func(n uint64) uint64 { return (n + (1<<fatAlign - 1)) &^ (1<<fatAlign - 1) }
	for _, s := range slices {
		if offset+uint64(len(s.data)) > 1<<32-1 {
			return fmt.Errorf("universal binary %s: over 4 GiB", out)
		}
		hdr = append(hdr, s.cpu, s.sub, uint32(offset), uint32(len(s.data)), fatAlign)
		offset = pad(offset + uint64(len(s.data)))
	}
	if err := binary.Write(&b, binary.BigEndian, hdr); err != nil {
		return err
	}
	for _, s := range slices {
		b.Write(make([]byte, pad(uint64(b.Len()))-uint64(b.Len())))
		b.Write(s.data)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o755); err != nil {
		return fmt.Errorf("universal binary: %w", err)
	}
	return nil
}
