/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FIBs: rte_fib (IPv4, DIR24_8 over a RIB: adds are logarithmic) and
 * rte_lpm6 (IPv6). 22.11 gives neither an RCU hook, so each is a pair of
 * copies: changes go to the shadow copy, which becomes the live one at the
 * next publish, and are replayed on the other copy once no worker can
 * read it (that publish's grace period). Workers never read a table being
 * changed, whatever the library does with its tbl8 groups. Main lcore only.
 */
#ifndef SW_L3_FIB_H
#define SW_L3_FIB_H

#include <stdint.h>

int sw_fib_init(void);
void sw_fib_fini(void);
/* 0, or a negative errno from the library (-ENOSPC: the table is full). */
int sw_fib_set(uint8_t family, const uint8_t *ip, uint8_t len, uint32_t gid);
int sw_fib_del(uint8_t family, const uint8_t *ip, uint8_t len);
/* The group id of exactly that prefix in the copy that has every change so
 * far (what the next publish makes live): 0, or -ENOENT. */
int sw_fib_get(uint8_t family, const uint8_t *ip, uint8_t len, uint32_t *gid);
uint64_t sw_fib_mem_bytes(void);

#endif
