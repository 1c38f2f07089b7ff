/*
 * LD_PRELOAD shim for btvirt: epoll_wait() hands back one ready event at a time.
 *
 * Why: BlueZ's src/shared/mainloop.c (5.66, still so upstream) dispatches a batch
 * of ready events from one epoll_wait() and calls each one's handler through the
 * pointer saved in the event. When a handler removes another descriptor whose event
 * is later in the same batch, that entry has been freed and is called anyway. In
 * btvirt this can happen when an Inquiry Cancel (bluetoothd stopping discovery) is
 * read in the same turn as btdev's 100 ms inquiry timer fires: cmd_inquiry_cancel()
 * removes the timer, and the loop then calls into the freed timer entry. btvirt once
 * died 18 ms after such a cancel, taking both controllers with it (one run in about
 * 70). A stress loop of Inquiry and Inquiry Cancel did not reproduce it, so this is
 * the likeliest cause found in its code, not a proven one.
 *
 * With one event per call no batch exists: a descriptor removed by a handler is out
 * of the epoll set before the next epoll_wait(), so nothing freed is ever reached.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/epoll.h>

int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	static int (*real)(int, struct epoll_event *, int, int);

	if (!real)
		real = (int (*)(int, struct epoll_event *, int, int))dlsym(RTLD_NEXT, "epoll_wait");
	return real(epfd, events, maxevents > 1 ? 1 : maxevents, timeout);
}
