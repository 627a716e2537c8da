/* The outcome of a finished tevent_req as a negative errno, for requests that
 * fail with tevent_req_error(req, errno) (positive errno values). */
#ifndef ISTMD_TREQ_H
#define ISTMD_TREQ_H

#include <tevent.h>

/* 0 (done), the errno it failed with (negated), -ETIMEDOUT when its end time
 * passed, -ENOMEM, or -EIO for anything else. */
int treq_errno(struct tevent_req *req);

/* Ends REQ: done when RC is 0, else failed with the errno -RC. */
void treq_finish(struct tevent_req *req, int rc);

#endif
