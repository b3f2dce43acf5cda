/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sy-sidebar-row.h"

static gboolean
is_focusable_row (GtkWidget *widget)
{
  return GTK_IS_LIST_BOX_ROW (widget) && gtk_widget_get_visible (widget) && gtk_widget_get_focusable (widget);
}

static GtkWidget *
row_after (GtkWidget *widget,
           gboolean   forward)
{
  do
    widget = forward ? gtk_widget_get_next_sibling (widget) : gtk_widget_get_prev_sibling (widget);
  while (widget != NULL && !is_focusable_row (widget));
  return widget;
}

static GtkWidget *
end_row (GtkWidget *row,
         gboolean   first)
{
  GtkWidget *list = gtk_widget_get_parent (row);
  GtkWidget *widget = first ? gtk_widget_get_first_child (list) : gtk_widget_get_last_child (list);

  if (widget != NULL && !is_focusable_row (widget))
    widget = row_after (widget, first);
  return widget != NULL ? widget : row;
}

gboolean
sy_sidebar_row_focus (GtkWidget        *row,
                      GtkDirectionType  direction)
{
  GtkWidgetClass *list_box_row_class = g_type_class_peek (GTK_TYPE_LIST_BOX_ROW);
  gboolean forward = direction == GTK_DIR_TAB_FORWARD;
  GtkWidget *next;

  if (direction != GTK_DIR_TAB_FORWARD && direction != GTK_DIR_TAB_BACKWARD)
    return list_box_row_class->focus (row, direction);

  /* Tab enters the list at its first row, Shift+Tab at its last (GTK would
   * enter at the selected one, so that each way skipped some rows), and
   * moves from row to row without selecting. */
  if (!gtk_widget_has_focus (row))
    return gtk_widget_grab_focus (end_row (row, forward));
  next = row_after (row, forward);
  return next != NULL && gtk_widget_grab_focus (next);
}
