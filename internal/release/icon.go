package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// iconFile is the bundle's icon, drawn here rather than kept as a binary
// file: a white circular arrow (recovery) on a blue rounded square.
const iconFile = "icon.png"

// iconPNG renders the 512x512 icon, anti-aliased by 4x4 supersampling.
func iconPNG() ([]byte, error) {
	const size, sub = 512, 4
	bg := color.NRGBA{0x1f, 0x4e, 0x79, 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	c := float64(size) / 2
	// The arrowhead sits at the ring's end at 20 degrees and points along
	// the ring, into the gap.
	a := 20 * math.Pi / 180
	rx, ry := math.Cos(a), -math.Sin(a)
	tx, ty := -math.Sin(a), -math.Cos(a)
	tri := [3][2]float64{
		{c + rx*105, c + ry*105},
		{c + rx*205, c + ry*205},
		{c + rx*155 + tx*75, c + ry*155 + ty*75},
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var inBg, inFg int
			for sy := 0; sy < sub; sy++ {
				for sx := 0; sx < sub; sx++ {
					px := float64(x) + (float64(sx)+0.5)/sub
					py := float64(y) + (float64(sy)+0.5)/sub
					if !inRoundedSquare(px, py, size, 96) {
						continue
					}
					inBg++
					if inRing(px-c, py-c) || inTriangle(px, py, tri) {
						inFg++
					}
				}
			}
			if inBg == 0 {
				continue
			}
			// White over blue by foreground coverage; alpha by the square's.
			f := float64(inFg) / float64(inBg)
			mix := func(v uint8) uint8 { return uint8(math.Round(float64(v)*(1-f) + 255*f)) }
			img.SetNRGBA(x, y, color.NRGBA{mix(bg.R), mix(bg.G), mix(bg.B), uint8(inBg * 255 / (sub * sub))})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode icon: %w", err)
	}
	return b.Bytes(), nil
}

func inRoundedSquare(x, y float64, size, r float64) bool {
	cx := math.Max(r, math.Min(size-r, x))
	cy := math.Max(r, math.Min(size-r, y))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}

// inRing reports a point of the ring (radii 130 to 180) outside the gap
// between 20 and 75 degrees, with (dx, dy) from the centre, y down.
func inRing(dx, dy float64) bool {
	d := math.Hypot(dx, dy)
	if d < 130 || d > 180 {
		return false
	}
	deg := math.Atan2(-dy, dx) * 180 / math.Pi
	if deg < 0 {
		deg += 360
	}
	return deg < 20 || deg > 75
}

func inTriangle(x, y float64, t [3][2]float64) bool {
	sign := func(a, b [2]float64) float64 { return (x-b[0])*(a[1]-b[1]) - (a[0]-b[0])*(y-b[1]) }
	d1, d2, d3 := sign(t[0], t[1]), sign(t[1], t[2]), sign(t[2], t[0])
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}
