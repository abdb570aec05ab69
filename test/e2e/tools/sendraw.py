#!/usr/bin/env python3
"""Send hand-made Ethernet frames on an interface (run inside a test namespace).

  sendraw.py IFACE DST_MAC KIND [COUNT]

KIND names a frame: good4 (valid IPv4/UDP), runt (Ethernet header only), trunc4 (IPv4
header cut short), ihl4 (IHL 4), len4 (total length beyond the frame),
ver4 (IPv4 ethertype, version 5), trunc6 (IPv6 header cut short), len6
(payload length beyond the frame), ver6 (IPv6 ethertype, version 4),
opt4 (IPv4 with options), ttl1 (IPv4 TTL 1), bcast4 (to 255.255.255.255),
nonip (ethertype 0x88b5), vlan4 (802.1Q-tagged IPv4), qinq4 (QinQ).
Hostile frames, which a router must not forward: badcksum4 (IPv4 header
checksum wrong), mcsrcmac4 (multicast Ethernet source), martsrc4_* and
martdst4_* (sources 255.255.255.255, 127.0.0.1, 0.1.2.3, 224.0.0.5;
destinations 127.0.0.1, 0.1.2.3, 240.0.0.1), llsrc4 (source 169.254.1.1),
good6, martsrc6_* (sources ff02::1, ::1, ::), martdst6_lo (destination ::1),
llsrc6 (source fe80::1), hbh6 (hop-by-hop options), ext6_long (nine
destination-options headers), ext6_trunc (one longer than the frame), and
TCP SYNs to port 22: tcp22_6, behind destination options (tcp22_6_dopt), an
atomic fragment header (tcp22_6_frag) or hop-by-hop options (tcp22_6_hbh).
Source and destination addresses come from SRC4/DST4/SRC6/DST6 env vars,
UDP ports from SPORT/DPORT (default 1234 and 5678).
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


def ip6(src, dst, payload, ver=6, plen=None, nh=17):
    return struct.pack('!IHBB16s16s', ver << 28, plen if plen is not None else len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) + payload


def opts6(nh):
    """A hop-by-hop or destination-options header: 8 bytes, PadN."""
    return struct.pack('!BB', nh, 0) + b'\x01\x04\x00\x00\x00\x00'


def frag6(nh):
    """An atomic fragment header (offset 0, no more fragments)."""
    return struct.pack('!BBHI', nh, 0, 0, 0x12345678)


def tcp_syn(dport):
    return struct.pack('!HHIIBBHHH', 40000, dport, 1, 0, 5 << 4, 0x02, 8192, 0, 0)


def main():
    iface, dst_mac, kind = sys.argv[1:4]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = open('/sys/class/net/%s/address' % iface).read().strip()
    eth = bytes.fromhex(dst_mac.replace(':', '')) + bytes.fromhex(src_mac.replace(':', ''))
    s4, d4 = os.environ.get('SRC4', '10.1.0.2'), os.environ.get('DST4', '10.2.0.2')
    s6, d6 = os.environ.get('SRC6', 'fd01::2'), os.environ.get('DST6', 'fd02::2')
    sport, dport = int(os.environ.get('SPORT', '1234')), int(os.environ.get('DPORT', '5678'))
    udp = struct.pack('!HHHH', sport, dport, 8 + 18, 0) + b'x' * 18
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
    mc_eth = eth[:6] + bytes.fromhex('01005e000001')
    bad = bytearray(ip4(s4, d4, udp))
    bad[10] ^= 0xff
    for name, addr in (('255', '255.255.255.255'), ('127', '127.0.0.1'), ('0', '0.1.2.3'), ('mc', '224.0.0.5')):
        frames['martsrc4_' + name] = eth + E4 + ip4(addr, d4, udp)
    for name, addr in (('127', '127.0.0.1'), ('0', '0.1.2.3'), ('e', '240.0.0.1')):
        frames['martdst4_' + name] = eth + E4 + ip4(s4, addr, udp)
    for name, addr in (('mc', 'ff02::1'), ('lo', '::1'), ('un', '::')):
        frames['martsrc6_' + name] = eth + E6 + ip6(addr, d6, udp)
    syn = tcp_syn(22)
    frames.update({
        'badcksum4': eth + E4 + bytes(bad),
        'mcsrcmac4': mc_eth + E4 + ip4(s4, d4, udp),
        'llsrc4': eth + E4 + ip4('169.254.1.1', d4, udp),
        'good6': eth + E6 + ip6(s6, d6, udp),
        'martdst6_lo': eth + E6 + ip6(s6, '::1', udp),
        'llsrc6': eth + E6 + ip6('fe80::1', d6, udp),
        'hbh6': eth + E6 + ip6(s6, d6, opts6(17) + udp, nh=0),
        'ext6_long': eth + E6 + ip6(s6, d6, b''.join(opts6(60) for _ in range(8)) + opts6(17) + udp, nh=60),
        'ext6_trunc': eth + E6 + ip6(s6, d6, struct.pack('!BB', 17, 200) + b'\x01\x04' + b'\x00' * 4 + udp, nh=60),
        'tcp22_6': eth + E6 + ip6(s6, d6, syn, nh=6),
        'tcp22_6_dopt': eth + E6 + ip6(s6, d6, opts6(6) + syn, nh=60),
        'tcp22_6_frag': eth + E6 + ip6(s6, d6, frag6(6) + syn, nh=44),
        'tcp22_6_hbh': eth + E6 + ip6(s6, d6, opts6(6) + syn, nh=0),
    })
    if kind not in frames:
        sys.exit('unknown kind %r; known: %s' % (kind, ' '.join(frames)))
    f = frames[kind]
    for _ in range(count):
        s.send(f)


if __name__ == '__main__':
    main()
