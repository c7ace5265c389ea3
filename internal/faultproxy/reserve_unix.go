//go:build unix

package faultproxy

import (
	"fmt"
	"net"
	"syscall"
)

// reservePort binds a TCP socket to addr without listening: connections to
// the port are refused (the kernel answers RST), and no listener of port 0
// is given it while the reservation lasts.
func reservePort(addr *net.TCPAddr) (release func(), err error) {
	ip4 := addr.IP.To4()
	if ip4 == nil {
		return nil, fmt.Errorf("faultproxy: reserve %v: not IPv4", addr)
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: reserve %v: %w", addr, err)
	}
	// A closed listener's accepted connections may linger in TIME_WAIT on
	// the port; SO_REUSEADDR lets the bind through them. A listener that
	// binds port 0 is never given a port bound this way (the kernel does not
	// share a port on an automatic bind); one that names the port and sets
	// SO_REUSEADDR could take it, but nothing in the tests names a port.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("faultproxy: reserve %v: %w", addr, err)
	}
	sa := &syscall.SockaddrInet4{Port: addr.Port}
	copy(sa.Addr[:], ip4)
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("faultproxy: reserve %v (taken by another listener since it was closed): %w", addr, err)
	}
	return func() { syscall.Close(fd) }, nil
}
