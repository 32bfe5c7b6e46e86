package org.postern.server.cli;

/** "host:port", "[v6]:port" or "host" parsing for CLI and listener values. */
public record HostPort(String host, int port) {

    public static HostPort parse(String text, int defaultPort, String what) {
        String t = text.strip();
        String host;
        String port = null;
        if (t.startsWith("[")) {
            int end = t.indexOf(']');
            if (end < 0) {
                throw new CliException(what + ": bad address '" + text + "'");
            }
            host = t.substring(1, end);
            if (end + 1 < t.length()) {
                if (t.charAt(end + 1) != ':') {
                    throw new CliException(what + ": bad address '" + text + "'");
                }
                port = t.substring(end + 2);
            }
        } else {
            int c = t.lastIndexOf(':');
            if (c >= 0 && t.indexOf(':') == c) {
                host = t.substring(0, c);
                port = t.substring(c + 1);
            } else {
                host = t;
            }
        }
        int p = defaultPort;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new CliException(what + ": bad port in '" + text + "'");
            }
        }
        if (host.isEmpty() || p < 0 || p > 65535) {
            throw new CliException(what + ": bad address '" + text + "'");
        }
        return new HostPort(host, p);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
