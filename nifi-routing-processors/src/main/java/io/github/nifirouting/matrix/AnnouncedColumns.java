package io.github.nifirouting.matrix;

/**
 * The destination ids a request announced ({@link MatrixRowSink#destinations}), in column order, and the column the next
 * row most likely names. Rows follow the columns in order, wrapping for the next origin, one column left out where a self
 * pair is excluded: finding a row's column takes one or two identity comparisons instead of a lookup.
 */
final class AnnouncedColumns {

    private String[] ids = new String[0];
    private int next;

    void announce(final String[] columnIds) {
        ids = columnIds;
        next = 0;
    }

    /** The announced ids, the very array given to {@link #announce}. */
    String[] ids() {
        return ids;
    }

    /** The column of {@code id} (the announced instance itself), or -1 for an id not announced (e.g. an invalid point's row). */
    int column(final String id) {
        final int columns = ids.length;
        int column = next;
        if (column >= columns || ids[column] != id) {
            if (column + 1 < columns && ids[column + 1] == id) {
                column++;
            } else if (columns > 0 && ids[0] == id) {
                column = 0;
            } else {
                return -1;
            }
        }
        next = column + 1 == columns ? 0 : column + 1;
        return column;
    }
}
