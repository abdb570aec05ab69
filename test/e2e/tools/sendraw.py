#!/usr/bin/env python3
"""Send hand-made Ethernet frames on an interface (run inside a test namespace).

  sendraw.py IFACE DST_MAC KIND [COUNT]

KIND names a frame: good4 (valid IPv4/UDP), runt (Ethernet header only), trunc4 (IPv4
header cut short), ihl4 (IHL 4), len4 (total length beyond the frame),
ver4 (IPv4 ethertype, version 5), trunc6 (IPv6 header cut short), len6
(payload length beyond the frame), ver6 (IPv6 ethertype, version 4),
opt4 (IPv4 with options), ttl1 (IPv4 TTL 1), bcast4 (to 255.255.255.255),
nonip (ethertype 0x88b5), vlan4 (802.1Q-tagged IPv4), qinq4 (QinQ).
Source and destination addresses come from SRC4/DST4/SRC6/DST6 env vars.
"""
import os
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(src, dst, payload, ttl=64, ihl=5, ver=4, total=None, opts=b''):
    hdr = struct.pack('!BBHHHBBH4s4s', ver << 4 | ihl, 0, total or 20 + len(opts) + len(payload),
                      1, 0, ttl, 17, 0, socket.inet_aton(src), socket.inet_aton(dst)) + opts
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return hdr + payload


def ip6(src, dst, payload, ver=6, plen=None):
    return struct.pack('!IHBB16s16s', ver << 28, plen if plen is not None else len(payload), 17, 64,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) + payload


def main():
    iface, dst_mac, kind = sys.argv[1:4]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = open('/sys/class/net/%s/address' % iface).read().strip()
    eth = bytes.fromhex(dst_mac.replace(':', '')) + bytes.fromhex(src_mac.replace(':', ''))
    s4, d4 = os.environ.get('SRC4', '10.1.0.2'), os.environ.get('DST4', '10.2.0.2')
    s6, d6 = os.environ.get('SRC6', 'fd01::2'), os.environ.get('DST6', 'fd02::2')
    udp = struct.pack('!HHHH', 1234, 5678, 8 + 18, 0) + b'x' * 18
    E4, E6 = b'\x08\x00', b'\x86\xdd'
    frames = {
        'good4': eth + E4 + ip4(s4, d4, udp),
        'runt': eth + E4,   # 14 bytes: the kernel refuses shorter than a link header
        'trunc4': eth + E4 + ip4(s4, d4, udp)[:12],
        'ihl4': eth + E4 + ip4(s4, d4, udp, ihl=4),
        'len4': eth + E4 + ip4(s4, d4, udp, total=1400),
        'ver4': eth + E4 + ip4(s4, d4, udp, ver=5),
        'trunc6': eth + E6 + ip6(s6, d6, udp)[:30],
        'len6': eth + E6 + ip6(s6, d6, udp, plen=1400),
        'ver6': eth + E6 + ip6(s6, d6, udp, ver=4),
        'opt4': eth + E4 + ip4(s4, d4, udp, ihl=6, opts=b'\x01\x01\x01\x00'),
        'ttl1': eth + E4 + ip4(s4, d4, udp, ttl=1),
        'bcast4': bytes.fromhex('ffffffffffff') + eth[6:] + E4 + ip4(s4, '255.255.255.255', udp),
        'nonip': eth + b'\x88\xb5' + b'slipway-test' * 4,
        'vlan4': eth + b'\x81\x00\x00\x64' + E4 + ip4(s4, d4, udp),
        'qinq4': eth + b'\x88\xa8\x00\xc8\x81\x00\x00\x64' + E4 + ip4(s4, d4, udp),
    }
    if kind not in frames:
        sys.exit('unknown kind %r; known: %s' % (kind, ' '.join(frames)))
    f = frames[kind]
    for _ in range(count):
        s.send(f)


if __name__ == '__main__':
    main()
