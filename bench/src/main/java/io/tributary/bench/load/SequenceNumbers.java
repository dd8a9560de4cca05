package io.tributary.bench.load;

/** Order of sequence numbers, which are unsigned decimal strings. */
public final class SequenceNumbers {

    private SequenceNumbers() {
    }

    /** Numeric comparison of two unsigned decimal strings, ignoring leading zeros. */
    public static int compare(String a, String b) {
        String x = stripZeros(a);
        String y = stripZeros(b);
        if (x.length() != y.length()) {
            return Integer.compare(x.length(), y.length());
        }
        return x.compareTo(y);
    }

    private static String stripZeros(String s) {
        int i = 0;
        while (i < s.length() - 1 && s.charAt(i) == '0') {
            i++;
        }
        return i == 0 ? s : s.substring(i);
    }
}
