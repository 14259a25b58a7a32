package io.github.nifirouting.engine.http;

import com.fasterxml.jackson.core.io.NumberInput;
import io.github.nifirouting.engine.RoutingException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads the numeric matrices of an engine's answer, {@code [[v, ...], ...]}, straight from the UTF-8 bytes of the body: a 1000 x 1000
 * OSRM table is 2 million numbers, and tokenizing each one through Jackson (token, text buffer, then our number parse) cost about
 * as much CPU as everything else NiFi does with a pair. The scanner owns a byte buffer over the body; the JSON parser of the rest
 * of the document reads through {@link #stream()}, hands back what it had buffered with {@link #unread} before a matrix, and a new
 * parser resumes after it (see {@link ScanningJsonParser}).
 * <p>
 * Values are read exactly as the token path of {@link JsonMatrices#readNested} reads them: a decimal of at most 15 digits without
 * exponent is its integer digits divided by an exact power of ten (the correctly rounded double, as {@link Double#parseDouble}
 * gives); any other JSON number goes to Jackson's general parser; {@code null} is NaN; the same shape and value checks with
 * the same messages. Syntax is checked as strictly as Jackson does (no leading zeros, no {@code NaN}, no trailing commas).
 */
final class JsonMatrixScanner {

    /** Bytes kept ahead of a value whenever the body has them, so a short decimal is parsed without looking for the buffer's end. */
    static final int WINDOW = 32;
    static final int DEFAULT_BUFFER_SIZE = 32 * 1024;

    /** Eight bytes of the buffer as a long, the first byte lowest. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** '0' in every byte: subtracted, a digit byte becomes its value. */
    private static final long ZEROS = 0x3030303030303030L;
    private static final long[] INTEGER_POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000};

    private final InputStream source;
    private final int maxNumberLength = JsonMatrices.JSON.streamReadConstraints().getMaxNumberLength();
    private byte[] buffer;
    private int position;
    private int limit;
    private boolean sourceEnded;
    private final InputStream stream = new InputStream() {
        @Override
        public int read() throws IOException {
            if (position == limit && !readMore()) {
                return -1;
            }
            return buffer[position++] & 0xFF;
        }

        @Override
        public int read(final byte[] into, final int offset, final int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (position == limit && !readMore()) {
                return -1;
            }
            final int count = Math.min(length, limit - position);
            System.arraycopy(buffer, position, into, offset, count);
            position += count;
            return count;
        }

        @Override
        public void close() {
            // the body is closed by whoever opened the scanner, not by the parser of a part of it
        }
    };

    JsonMatrixScanner(final InputStream source, final int bufferSize) {
        this.source = source;
        this.buffer = new byte[Math.max(bufferSize, 2 * WINDOW)];
    }

    /** The body from the scanner's position on, for a JSON parser. */
    InputStream stream() {
        return stream;
    }

    /** Puts bytes back before the position: what a parser had read ahead, or a stand-in for a matrix already read. */
    void unread(final byte[] bytes, final int offset, final int length) {
        if (length <= position) {
            position -= length;
            System.arraycopy(bytes, offset, buffer, position, length);
            return;
        }
        final int remaining = limit - position;
        final byte[] target = length + remaining <= buffer.length ? buffer : new byte[length + remaining + buffer.length];
        System.arraycopy(buffer, position, target, length, remaining);
        System.arraycopy(bytes, offset, target, 0, length);
        buffer = target;
        position = 0;
        limit = length + remaining;
    }

    /**
     * Reads the matrix whose opening {@code [} was just consumed, through its closing {@code ]}, into {@code into} (row-major,
     * times {@code scale}), checking it has {@code rows} rows of {@code columns} values.
     */
    void readMatrix(final double[] into, final int rows, final int columns, final double scale, final String name, final String engine)
            throws IOException, RoutingException {
        int row = 0;
        int next = peek();
        if (next == ']') {
            position++;
        } else {
            while (true) {
                if (tokenOf(next) == null) {
                    throw notA(next, "START_ARRAY", name + "[" + row + "]", name, engine);
                }
                if (row >= rows) {
                    throw JsonMatrices.broken(engine, name + " has more than the " + rows + " rows requested");
                }
                if (next != '[') {
                    throw notA(next, "START_ARRAY", name + "[" + row + "]", name, engine);
                }
                position++;
                readRow(into, row, columns, scale, name, engine);
                row++;
                next = peek();
                if (next == ']') {
                    position++;
                    break;
                }
                if (next != ',') {
                    throw malformed(next, "',' or ']' after " + name + "[" + (row - 1) + "]", name, engine);
                }
                position++;
                next = peek();
            }
        }
        if (row != rows) {
            throw JsonMatrices.broken(engine, name + " has " + row + " rows, " + rows + " were requested");
        }
    }

    private void readRow(final double[] into, final int row, final int columns, final double scale, final String name, final String engine)
            throws IOException, RoutingException {
        final int offset = row * columns;
        int column = 0;
        int next = peek();
        if (next == ']') {
            position++;
        } else {
            while (true) {
                column = readPlainCells(into, offset, column, columns, scale);
                next = peek();
                if (tokenOf(next) == null) {
                    throw notANumber(next, name + "[" + row + "][" + column + "]", name, engine);
                }
                if (column >= columns) {
                    throw JsonMatrices.broken(engine, name + "[" + row + "] has more than the " + columns + " columns requested");
                }
                into[offset + column] = readCell(next, scale, name, row, column, engine);
                column++;
                next = peek();
                if (next == ',') {
                    position++;
                } else if (next == ']') {
                    position++;
                    break;
                } else {
                    throw malformed(next, "',' or ']' after " + name + "[" + row + "][" + (column - 1) + "]", name, engine);
                }
            }
        }
        if (column != columns) {
            throw JsonMatrices.broken(engine, name + "[" + row + "] has " + column + " columns, " + columns + " were requested");
        }
    }

    /**
     * The fast path, where nearly all of a compact engine answer goes: consumes the run of cells at the position that are each
     * {@code null} or a decimal of at most 7 digits before and 7 after the point (so a short decimal, read eight bytes at a time)
     * directly followed by a comma, with a valid value, up to the row's last column; returns the next column. Everything else (the
     * row's last cell, whitespace, exponents, longer or malformed numbers, invalid values, the buffer's last {@link #WINDOW} bytes)
     * is left to {@link #readCell}, which reads it or says what is wrong.
     */
    private int readPlainCells(final double[] into, final int offset, final int from, final int columns, final double scale) {
        final byte[] bytes = buffer;
        // from here a cell, its comma and the eight-byte words read are within the buffer (WINDOW bytes: a sign, 7 + 1 + 8 bytes)
        final int safe = limit - WINDOW;
        int committed = position;
        int column = from;
        while (column < columns && committed <= safe) {
            final int start = committed;
            int index = start;
            final double value;
            int next = bytes[index];
            if (next == 'n') {
                if (bytes[index + 1] != 'u' || bytes[index + 2] != 'l' || bytes[index + 3] != 'l' || bytes[index + 4] != ',') {
                    break;
                }
                value = Double.NaN;
                index += 4;
            } else {
                final boolean negative = next == '-';
                if (negative) {
                    index++;
                }
                // the digits before and after the point, eight bytes at a time: up to 7 + 7 digits, so always a short decimal
                final long integerWord = (long) LONGS.get(bytes, index) - ZEROS;
                final int integerDigits = leadingDigits(integerWord);
                if (integerDigits == 0 || integerDigits == 8 || integerDigits > 1 && bytes[index] == '0') {
                    break;
                }
                long digits = digitsValue(integerWord, integerDigits);
                index += integerDigits;
                int fractionDigits = 0;
                if (bytes[index] == '.') {
                    index++;
                    final long fractionWord = (long) LONGS.get(bytes, index) - ZEROS;
                    fractionDigits = leadingDigits(fractionWord);
                    if (fractionDigits == 0 || fractionDigits == 8) {
                        break;
                    }
                    digits = digits * INTEGER_POWERS_OF_TEN[fractionDigits] + digitsValue(fractionWord, fractionDigits);
                    index += fractionDigits;
                }
                // an exponent, whitespace or anything else after the number: the general path
                if (bytes[index] != ',') {
                    break;
                }
                final double scaled = JsonMatrices.exactDecimal(digits, fractionDigits, negative) * scale;
                if (!(Double.isFinite(scaled) && scaled >= -JsonMatrices.DISTANCE_TOLERANCE_M)) {
                    break;
                }
                value = scaled;
            }
            into[offset + column++] = value;
            committed = index + 1;
        }
        position = committed;
        return column;
    }

    /**
     * How many of the bytes of {@code word} (eight bytes minus {@link #ZEROS}), from the first on, were digits: a byte is not one when
     * it is below '0' (the subtraction wraps it above 0x7F) or above '9' (then adding 0x76 does). Borrows and carries only run from
     * such a byte towards later bytes, so the first flagged byte is the first non-digit. 8 when all are digits.
     */
    private static int leadingDigits(final long word) {
        return Long.numberOfTrailingZeros(((word + 0x7676767676767676L) | word) & 0x8080808080808080L) >>> 3;
    }

    /**
     * The integer of the first {@code count} (1 to 8) digits of {@code word}: shifted so that they are its last bytes (what is
     * before them becomes leading zeros), then pairs of digits, pairs of pairs and the two halves are combined.
     */
    private static long digitsValue(final long word, final int count) {
        long value = word << (64 - 8 * count);
        value = (value * 10 + (value >>> 8)) & 0x00FF00FF00FF00FFL;
        value = (value * 100 + (value >>> 16)) & 0x0000FFFF0000FFFFL;
        return (value * 10_000 + (value >>> 32)) & 0xFFFFFFFFL;
    }

    /** The value starting with {@code first} at the position, as {@code JsonMatrices.cell} reads it from a token. */
    private double readCell(final int first, final double scale, final String name, final int row, final int column, final String engine)
            throws IOException, RoutingException {
        if (first == 'n') {
            readNull(name, row, column, engine);
            return Double.NaN;
        }
        if (first != '-' && (first < '0' || first > '9')) {
            throw notANumber(first, name + "[" + row + "][" + column + "]", name, engine);
        }
        double number = shortDecimal();
        if (Double.isNaN(number)) {
            number = generalNumber(name + "[" + row + "][" + column + "]", name, engine);
        }
        final double value = number * scale;
        if (Double.isFinite(value) && value >= -JsonMatrices.DISTANCE_TOLERANCE_M) {
            return value;
        }
        throw JsonMatrices.broken(engine, name + "[" + row + "][" + column + "] = " + number + " is not a finite non-negative number");
    }

    /**
     * The number at the position if it is a JSON number of at most 15 digits without exponent (what engines send), consumed;
     * otherwise NaN with nothing consumed. {@link #peek} left at least {@link #WINDOW} bytes ahead or the whole rest of the body,
     * so a number that reaches the end of the buffer has more than 15 digits or ends the body.
     */
    private double shortDecimal() {
        final byte[] bytes = buffer;
        final int end = limit;
        int index = position;
        final boolean negative = bytes[index] == '-';
        if (negative) {
            index++;
        }
        if (index >= end) {
            return Double.NaN;
        }
        int digit = bytes[index] - '0';
        if (digit < 0 || digit > 9) {
            return Double.NaN;
        }
        index++;
        long digits = digit;
        int count = 1;
        if (digit == 0) {
            if (index < end && (digit = bytes[index] - '0') >= 0 && digit <= 9) {
                return Double.NaN; // a leading zero: malformed, reported by the general path
            }
        } else {
            while (index < end && (digit = bytes[index] - '0') >= 0 && digit <= 9) {
                digits = digits * 10 + digit;
                count++;
                index++;
            }
        }
        int fractionDigits = 0;
        if (index < end && bytes[index] == '.') {
            index++;
            while (index < end && (digit = bytes[index] - '0') >= 0 && digit <= 9) {
                digits = digits * 10 + digit;
                count++;
                fractionDigits++;
                index++;
            }
            if (fractionDigits == 0) {
                return Double.NaN;
            }
        }
        if (count > 15 || index < end && (bytes[index] | 0x20) == 'e') {
            return Double.NaN;
        }
        position = index;
        return JsonMatrices.exactDecimal(digits, fractionDigits, negative);
    }

    /** Any JSON number at the position (exponents, long digit strings), checked against JSON's grammar and parsed by Jackson. */
    private double generalNumber(final String where, final String name, final String engine) throws IOException, RoutingException {
        final StringBuilder text = new StringBuilder(32);
        while (position < limit || readMore()) {
            final byte next = buffer[position];
            if (!(next >= '0' && next <= '9' || next == '-' || next == '+' || next == '.' || next == 'e' || next == 'E')) {
                break;
            }
            if (text.length() >= maxNumberLength) {
                throw JsonMatrices.broken(engine, "malformed or truncated JSON: " + where + " is a number longer than " + maxNumberLength + " characters");
            }
            text.append((char) next);
            position++;
        }
        if (!isJsonNumber(text)) {
            throw JsonMatrices.broken(engine, "malformed or truncated JSON: " + where + " is '" + text + "', not a JSON number"
                    + (position < limit ? "" : " (the response ended inside " + name + ")"));
        }
        return NumberInput.parseDouble(text.toString(), true);
    }

    /** {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}, as Jackson accepts numbers by default. */
    static boolean isJsonNumber(final CharSequence text) {
        int index = 0;
        final int length = text.length();
        if (index < length && text.charAt(index) == '-') {
            index++;
        }
        final int integerStart = index;
        while (index < length && isDigit(text.charAt(index))) {
            index++;
        }
        if (index == integerStart || text.charAt(integerStart) == '0' && index - integerStart > 1) {
            return false;
        }
        if (index < length && text.charAt(index) == '.') {
            final int fractionStart = ++index;
            while (index < length && isDigit(text.charAt(index))) {
                index++;
            }
            if (index == fractionStart) {
                return false;
            }
        }
        if (index < length && (text.charAt(index) == 'e' || text.charAt(index) == 'E')) {
            index++;
            if (index < length && (text.charAt(index) == '+' || text.charAt(index) == '-')) {
                index++;
            }
            final int exponentStart = index;
            while (index < length && isDigit(text.charAt(index))) {
                index++;
            }
            if (index == exponentStart) {
                return false;
            }
        }
        return index == length;
    }

    private static boolean isDigit(final char c) {
        return c >= '0' && c <= '9';
    }

    private void readNull(final String name, final int row, final int column, final String engine) throws RoutingException {
        // peek() left at least WINDOW bytes or the rest of the body in the buffer
        if (limit - position >= 4 && buffer[position + 1] == 'u' && buffer[position + 2] == 'l' && buffer[position + 3] == 'l') {
            position += 4;
            return;
        }
        throw JsonMatrices.broken(engine, "malformed or truncated JSON: " + name + "[" + row + "][" + column + "] is neither a number nor null"
                + (limit - position < 4 ? " (the response ended inside " + name + ")" : ""));
    }

    /**
     * The next byte that is not JSON whitespace, not consumed, with at least {@link #WINDOW} bytes from it in the buffer unless the
     * body ends sooner; -1 at the end of the body.
     */
    private int peek() throws IOException {
        while (true) {
            final byte[] bytes = buffer;
            final int end = limit;
            int index = position;
            while (index < end) {
                final byte next = bytes[index];
                if (next == ' ' || next == '\n' || next == '\r' || next == '\t') {
                    index++;
                    continue;
                }
                position = index;
                if (end - index >= WINDOW || sourceEnded) {
                    return next & 0xFF;
                }
                break;
            }
            position = index;
            if (!readMore()) {
                return -1;
            }
        }
    }

    /**
     * Moves the unread bytes to the start of the buffer and reads from the body until {@link #WINDOW} bytes are ahead or the
     * body ends; false when there is nothing more at all.
     */
    private boolean readMore() throws IOException {
        if (position > 0) {
            System.arraycopy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
        }
        final int before = limit;
        while (!sourceEnded && limit < WINDOW) {
            final int count = source.read(buffer, limit, buffer.length - limit);
            if (count < 0) {
                sourceEnded = true;
            } else {
                limit += count;
            }
        }
        return limit > before || position < limit;
    }

    private static RoutingException notA(final int first, final String expected, final String where, final String name, final String engine) {
        final String token = tokenOf(first);
        if (token == null) {
            return malformed(first, expected + " at " + where, name, engine);
        }
        return JsonMatrices.broken(engine, where + " is " + token + ", expected " + expected);
    }

    private static RoutingException notANumber(final int first, final String where, final String name, final String engine) {
        final String token = tokenOf(first);
        if (token == null) {
            return first < 0 ? truncated(name, engine) : malformed(first, "a number or null at " + where, name, engine);
        }
        return JsonMatrices.broken(engine, where + " is " + token + ", not a number or null");
    }

    private static RoutingException malformed(final int found, final String expected, final String name, final String engine) {
        if (found < 0) {
            return truncated(name, engine);
        }
        return JsonMatrices.broken(engine, "malformed or truncated JSON: expected " + expected + ", found "
                + (found >= ' ' && found < 127 ? "'" + (char) found + "'" : "byte 0x" + Integer.toHexString(found)));
    }

    private static RoutingException truncated(final String name, final String engine) {
        return JsonMatrices.broken(engine, "malformed or truncated JSON: the response ended inside " + name);
    }

    /** The token a value starting with this byte would be, as the token path names it; null when no JSON value starts so. */
    private static String tokenOf(final int first) {
        return switch (first) {
            case '"' -> "VALUE_STRING";
            case 't' -> "VALUE_TRUE";
            case 'f' -> "VALUE_FALSE";
            case 'n' -> "VALUE_NULL";
            case '{' -> "START_OBJECT";
            case '[' -> "START_ARRAY";
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> "a number";
            default -> null;
        };
    }
}
