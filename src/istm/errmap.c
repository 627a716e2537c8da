#include "istm/errmap.h"

#include <stddef.h>

#include "istmd/hresult.h"

uint32_t istm_hr(int rc, const struct istm_errmap *map)
{
	if (rc == 0)
		return S_OK;
	for (; map != NULL && map->err != 0; map++) {
		if (map->err == rc)
			return map->hr;
	}
	return hresult_from_errno(rc);
}
