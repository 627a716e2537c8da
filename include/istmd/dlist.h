/* Doubly-linked lists through `prev`/`next` fields; LIST is the head
 * pointer (NULL when empty). Shared by the DCOM runtime and the ISTM
 * notifier. */
#ifndef ISTMD_DLIST_H
#define ISTMD_DLIST_H

#define DLIST_PUSH(list, p)                   \
	do {                                  \
		(p)->prev = NULL;             \
		(p)->next = (list);           \
		if ((list) != NULL)           \
			(list)->prev = (p);   \
		(list) = (p);                 \
	} while (0)
#define DLIST_UNLINK(list, p)                           \
	do {                                            \
		if ((p)->prev != NULL)                  \
			(p)->prev->next = (p)->next;    \
		else                                    \
			(list) = (p)->next;             \
		if ((p)->next != NULL)                  \
			(p)->next->prev = (p)->prev;    \
		(p)->prev = (p)->next = NULL;           \
	} while (0)

#endif
