package org.postern.core;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean" for configuration errors: the closest known word by edit distance. */
public final class Suggest {
    private Suggest() {
    }

    /**
     * The candidate nearest to {@code given} (case-insensitive), or null when none is within
     * {@code max(2, given.length() / divisor)} edits.
     */
    public static String closest(String given, Collection<String> candidates, int divisor) {
        String g = given.toLowerCase(Locale.ROOT);
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(g, c);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best != null && bestD <= Math.max(2, given.length() / divisor) ? best : null;
    }

    /** Levenshtein distance. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
