/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sy-record.h"

G_BEGIN_DECLS

#define SY_TYPE_RECORD_DETAIL (sy_record_detail_get_type ())
G_DECLARE_FINAL_TYPE (SyRecordDetail, sy_record_detail, SY, RECORD_DETAIL, GtkWidget)

/* One record, every field a row: values selectable, nested objects and
 * lists (order lines) as rows that expand, and "Copy as JSON"
 * (detail.copy-json). Its Back button activates "browser.back", which
 * the record browser around it provides. Property: "record". */
GtkWidget   *sy_record_detail_new        (void);

void         sy_record_detail_set_record (SyRecordDetail *self,
                                          SyRecord       *record);
SyRecord    *sy_record_detail_get_record (SyRecordDetail *self);

/* The record as the server sent it, pretty-printed: what Copy as JSON
 * puts on the clipboard. NULL without a record. */
char        *sy_record_detail_dup_json   (SyRecordDetail *self);

G_END_DECLS
