/*
 * close_range() and closefrom() of a program that closes every descriptor
 * (daemons, ssh): the library's own descriptors in the range -- control
 * connections of associations whose sockets stay open, the DNS responders
 * and listener, the log file -- are left open, the rest closed as asked.
 */
#ifndef SOCKSIFY_FDRANGE_H
#define SOCKSIFY_FDRANGE_H

/* close_range(2) semantics; last may be ~0U (closefrom). */
int fdrange_close(unsigned int first, unsigned int last, int flags);

#endif
