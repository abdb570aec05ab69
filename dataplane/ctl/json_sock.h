/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Unix-socket, newline-delimited JSON control transport: the baseline the
 * shared-memory control ring is measured against (npm run bench -- control).
 * Same handlers, same group commit; only the transport differs.
 *
 *   {"seq":1,"op":"hello"}             -> {"seq":1,"status":"OK","pid":123}
 *   {"seq":2,"op":"xc_add","in":0,"out":1}
 *   {"seq":3,"op":"xc_del","in":0}
 *   {"seq":4,"op":"port_get","port":0}
 *   {"seq":5,"op":"xc_list"}           -> ...,"xconnects":[[0,1],[1,0]]}
 *   errors: {"seq":N,"status":"NO_PORT","error":"port 9 does not exist"}
 *
 * One client at a time; main lcore only.
 */
#ifndef SW_JSON_SOCK_H
#define SW_JSON_SOCK_H

int sw_json_open(const char *path);
unsigned int sw_json_serve(void); /* returns requests answered */
int sw_json_client_fd(void);	  /* connected client, or -1 */
void sw_json_close(void);

#endif
