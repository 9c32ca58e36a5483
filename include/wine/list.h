/*
 * Intrusive doubly linked lists with the interface of Wine's wine/list.h,
 * which Debian's libwine-dev does not ship.  Written for this project.
 *
 * Copyright 2026 the qmgr project authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with this library; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA
 */

#ifndef __QMGR_WINE_LIST_H
#define __QMGR_WINE_LIST_H

#include <stddef.h>

struct list
{
    struct list *next;
    struct list *prev;
};

static inline void list_init(struct list *list)
{
    list->next = list->prev = list;
}

static inline int list_empty(const struct list *list)
{
    return list->next == list;
}

/* Inserts elem after pos. */
static inline void list_add_after(struct list *pos, struct list *elem)
{
    elem->prev = pos;
    elem->next = pos->next;
    pos->next->prev = elem;
    pos->next = elem;
}

/* Inserts elem before pos. */
static inline void list_add_before(struct list *pos, struct list *elem)
{
    list_add_after(pos->prev, elem);
}

static inline void list_add_head(struct list *list, struct list *elem)
{
    list_add_after(list, elem);
}

static inline void list_add_tail(struct list *list, struct list *elem)
{
    list_add_before(list, elem);
}

static inline void list_remove(struct list *elem)
{
    elem->prev->next = elem->next;
    elem->next->prev = elem->prev;
    elem->next = elem->prev = elem;
}

/* Moves every element of src to the end of dst, leaving src empty. */
static inline void list_move_tail(struct list *dst, struct list *src)
{
    if (src->next == src) return;
    src->next->prev = dst->prev;
    dst->prev->next = src->next;
    src->prev->next = dst;
    dst->prev = src->prev;
    src->next = src->prev = src;
}

static inline struct list *list_head(const struct list *list)
{
    return list->next == list ? NULL : list->next;
}

static inline unsigned int list_count(const struct list *list)
{
    const struct list *p;
    unsigned int n = 0;
    for (p = list->next; p != list; p = p->next) n++;
    return n;
}

#define LIST_INIT(list) { &(list), &(list) }

#define LIST_ENTRY(elem, type, field) ((type *)((char *)(elem) - offsetof(type, field)))

#define LIST_FOR_EACH_ENTRY(cursor, list, type, field) \
    for ((cursor) = LIST_ENTRY((list)->next, type, field); \
         &(cursor)->field != (list); \
         (cursor) = LIST_ENTRY((cursor)->field.next, type, field))

#define LIST_FOR_EACH_ENTRY_SAFE(cursor, cursor2, list, type, field) \
    for ((cursor) = LIST_ENTRY((list)->next, type, field), \
         (cursor2) = LIST_ENTRY((cursor)->field.next, type, field); \
         &(cursor)->field != (list); \
         (cursor) = (cursor2), (cursor2) = LIST_ENTRY((cursor)->field.next, type, field))

#endif /* __QMGR_WINE_LIST_H */
