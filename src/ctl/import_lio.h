/* targetcli's saveconfig.json (rtslib's dump of the LIO configuration) as
 * istmctl import lio reads it: storage_objects (fileio, block...) and iSCSI
 * targets with their TPG's LUNs, node ACLs (with CHAP and mutual CHAP),
 * attributes and portals. */
#ifndef ISTMD_CTL_IMPORT_LIO_H
#define ISTMD_CTL_IMPORT_LIO_H

#include <jansson.h>
#include <talloc.h>

#include "ctl/import_model.h"

/* NULL with *err when the file cannot be read or is not a saveconfig. */
struct imp_state *imp_lio_file(TALLOC_CTX *mem, const char *path, char **err);
struct imp_state *imp_lio_json(TALLOC_CTX *mem, const char *source, json_t *doc, char **err);

#endif
