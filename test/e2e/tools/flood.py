#!/usr/bin/env python3
"""Flood an interface with one UDP/IPv4 frame as fast as one CPU allows
(run inside a test namespace).

  flood.py IFACE DST_MAC SRC4 DST4 SECONDS [PPS]

With PPS, frames leave in bursts of 64 paced to that rate: fast enough to
be a flood for the punt policer, slow enough that the veth's per-CPU
backlog (netdev_max_backlog) does not overflow and drop the other test
traffic on the way into slipway. Prints the number of frames sent. The destination is chosen by the test
(an address slipway has no neighbour for, so every frame is punted).
"""
import socket
import struct
import sys
import time


def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    iface, dst_mac, src, dst, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
    pps = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    burst = 64 if pps > 0 else 256
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4]
    udp = struct.pack('!HHHH', 40000, 9, 8 + 18, 0) + b'slipway-flood-0000'
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    frame = bytes.fromhex(dst_mac.replace(':', '')) + src_mac + b'\x08\x00' + hdr + udp
    sent = 0
    start = time.monotonic()
    end = start + seconds
    send = s.send
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if pps > 0 and sent > (now - start) * pps:
            time.sleep(min(burst / pps, end - now))
            continue
        for _ in range(burst):
            try:
                send(frame)
                sent += 1
            except OSError:   # the device queue is full: the next round retries
                break
    print(sent)


if __name__ == '__main__':
    main()
