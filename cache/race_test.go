//go:build race

package cache_test

func init() { raceEnabled = true }
