package org.postern.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.postern.core.config.Config;
import org.postern.server.config.ServerSettings;
import org.postern.server.control.ControlClient;
import org.postern.server.control.ControlProtocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code postern queue list|show|flush|delete|hold|release}: Postfix's mailq, postcat -q,
 * postqueue -f and postsuper -d/-h/-H, done by the running server through its control socket.
 */
@Command(name = "queue", description = "Show and manage the mail queue of the running server.",
        subcommands = {QueueCommands.ListCmd.class, QueueCommands.Show.class, QueueCommands.Flush.class,
                QueueCommands.Delete.class, QueueCommands.Hold.class, QueueCommands.Release.class})
public final class QueueCommands implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Sends one request to the running server; a refusal or a stopped server is a CLI error. */
    static ControlClient.Response request(Config c, String request) {
        Path socket = DataLayout.of(c).resolve(c.get(ServerSettings.CONTROL_SOCKET));
        try {
            ControlClient.Response r = ControlClient.request(socket, request);
            if (!r.ok()) {
                throw new CliException(r.error());
            }
            return r;
        } catch (IOException e) {
            throw new CliException(e.getMessage());
        }
    }

    abstract static class Verb implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    /** One message as the server described it. */
    record Message(String id, long size, Instant arrival, String queue, boolean running, String sender, List<String[]> recipients) {
    }

    static List<Message> parse(List<String> data) {
        List<Message> out = new ArrayList<>();
        for (String line : data) {
            String[] t = line.split(" ");
            if (t[0].equals("M")) {
                out.add(new Message(t[1], Long.parseLong(t[2]), Instant.ofEpochMilli(Long.parseLong(t[3])), t[4], t[5].equals("1"),
                        ControlProtocol.dec(t[6]), new ArrayList<>()));
            } else if (t[0].equals("R") && !out.isEmpty()) {
                out.getLast().recipients().add(new String[] {ControlProtocol.dec(t[1]), ControlProtocol.dec(t[2])});
            }
        }
        return out;
    }

    private static final DateTimeFormatter ARRIVAL = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss", Locale.ROOT);

    /** Postfix's showq layout: id with * (active) or ! (hold), size, arrival, sender; reasons and recipients below. */
    static void printMailq(PrintWriter out, List<Message> msgs) {
        if (msgs.isEmpty()) {
            out.println("Mail queue is empty");
            return;
        }
        out.println("-Queue ID-      --Size-- ----Arrival Time---- -Sender/Recipient-------");
        long total = 0;
        for (Message m : msgs) {
            char mark = m.running() ? '*' : m.queue().equals("hold") ? '!' : ' ';
            out.printf(Locale.ROOT, "%-14s%c %8d %-19.19s  %s%n", m.id(), mark, m.size(),
                    ARRIVAL.format(m.arrival().atZone(ZoneId.systemDefault())), m.sender().isEmpty() ? "MAILER-DAEMON" : m.sender());
            String lastReason = null;
            for (String[] r : m.recipients()) {
                if (r[1] != null && !r[1].equals(lastReason)) {
                    out.println("(" + r[1] + ")");
                    lastReason = r[1];
                }
                out.printf(Locale.ROOT, "%46s%s%n", "", r[0]);
            }
            out.println();
            total += m.size();
        }
        out.printf(Locale.ROOT, "-- %d Kbytes in %d Request%s.%n", (total + 1023) / 1024, msgs.size(), msgs.size() == 1 ? "" : "s");
    }

    /** postqueue -j style: one JSON object per message and line. */
    static void printJson(PrintWriter out, List<Message> msgs) {
        for (Message m : msgs) {
            StringBuilder sb = new StringBuilder("{");
            sb.append("\"queue_name\": ").append(json(m.queue())).append(", \"queue_id\": ").append(json(m.id()))
                    .append(", \"arrival_time\": ").append(m.arrival().getEpochSecond())
                    .append(", \"message_size\": ").append(m.size())
                    .append(", \"sender\": ").append(json(m.sender()))
                    .append(", \"recipients\": [");
            for (int i = 0; i < m.recipients().size(); i++) {
                String[] r = m.recipients().get(i);
                sb.append(i == 0 ? "" : ", ").append("{\"address\": ").append(json(r[0]));
                if (r[1] != null) {
                    sb.append(", \"delay_reason\": ").append(json(r[1]));
                }
                sb.append('}');
            }
            sb.append("]}");
            out.println(sb);
        }
    }

    static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    @Command(name = "list", description = "List queued mail like mailq: id (* active, ! on hold), size, arrival, sender, "
            + "then the reason and recipients still to be delivered.")
    static final class ListCmd extends Verb {
        @Option(names = "--json", description = "one JSON object per message (like postqueue -j)")
        boolean json;

        @Override
        public Integer call() {
            List<Message> msgs = parse(request(config.load(), "queue list").data());
            if (json) {
                printJson(out(), msgs);
            } else {
                printMailq(out(), msgs);
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "show", description = "Show a queued message: envelope, delivery state and headers.")
    static final class Show extends Verb {
        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--json", description = "JSON output")
        boolean json;

        @Override
        public Integer call() {
            List<String> data = request(config.load(), "queue show " + id.strip().toUpperCase(Locale.ROOT)).data();
            Message m = parse(data).getFirst();
            PrintWriter out = out();
            if (json) {
                StringBuilder sb = new StringBuilder("{\"queue_id\": ").append(json(m.id())).append(", \"queue_name\": ")
                        .append(json(m.queue())).append(", \"message_size\": ").append(m.size()).append(", \"arrival_time\": ")
                        .append(m.arrival().getEpochSecond()).append(", \"sender\": ").append(json(m.sender()));
                List<String> rc = new ArrayList<>();
                List<String> hs = new ArrayList<>();
                for (String line : data) {
                    String[] t = line.split(" ");
                    switch (t[0]) {
                        case "E" -> sb.append(", ").append(json(t[1])).append(": ").append(json(ControlProtocol.dec(t[2])));
                        case "I" -> sb.append(", \"message_id\": ").append(json(ControlProtocol.dec(t[1])));
                        case "T" -> rc.add("{\"address\": " + json(ControlProtocol.dec(t[1])) + ", \"notify\": "
                                + json(ControlProtocol.dec(t[2])) + ", \"orcpt\": " + json(ControlProtocol.dec(t[3])) + "}");
                        case "H" -> hs.add(json(ControlProtocol.dec(t[1])));
                        default -> {
                        }
                    }
                }
                sb.append(", \"recipients\": [").append(String.join(", ", rc)).append("], \"headers\": [")
                        .append(String.join(", ", hs)).append("]}");
                out.println(sb);
                out.flush();
                return 0;
            }
            out.println("*** ENVELOPE RECORDS " + m.id() + " ***");
            out.println("queue: " + m.queue() + (m.running() ? " (being delivered)" : ""));
            out.println("message_size: " + m.size());
            out.println("message_arrival_time: " + ARRIVAL.format(m.arrival().atZone(ZoneId.systemDefault())));
            out.println("sender: " + m.sender());
            for (String line : data) {
                String[] t = line.split(" ");
                switch (t[0]) {
                    case "E" -> {
                        String v = ControlProtocol.dec(t[2]);
                        if (v != null) {
                            out.println(t[1] + ": " + v);
                        }
                    }
                    case "I" -> {
                        String v = ControlProtocol.dec(t[1]);
                        if (v != null) {
                            out.println("message_id: " + v);
                        }
                    }
                    case "N" -> {
                        out.println("attempts: " + t[2]);
                        if (!t[1].equals("-")) {
                            out.println("next_attempt: " + ARRIVAL.format(Instant.ofEpochMilli(Long.parseLong(t[1])).atZone(ZoneId.systemDefault())));
                        }
                    }
                    case "T" -> {
                        String notify = ControlProtocol.dec(t[2]);
                        String orcpt = ControlProtocol.dec(t[3]);
                        out.println("recipient: " + ControlProtocol.dec(t[1]) + (notify == null ? "" : " notify=" + notify)
                                + (orcpt == null ? "" : " orcpt=" + orcpt));
                    }
                    default -> {
                    }
                }
            }
            for (String[] r : m.recipients()) {
                out.println("pending: " + r[0] + (r[1] == null ? "" : " (" + r[1] + ")"));
            }
            out.println("*** MESSAGE HEADERS " + m.id() + " ***");
            for (String line : data) {
                if (line.startsWith("H ")) {
                    out.println(ControlProtocol.dec(line.substring(2)));
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "flush", description = "Attempt delivery of all deferred mail now (postqueue -f).")
    static final class Flush extends Verb {
        @Override
        public Integer call() {
            String n = count(request(config.load(), "queue flush").data());
            out().println("postern: flushed " + n + " message" + (n.equals("1") ? "" : "s"));
            out().flush();
            return 0;
        }
    }

    static String count(List<String> data) {
        for (String l : data) {
            if (l.startsWith("C ")) {
                return l.substring(2);
            }
        }
        return "0";
    }

    abstract static class IdVerb extends Verb {
        @Parameters(paramLabel = "ID|ALL", description = "a queue id, or ALL")
        String id;

        abstract String verb();

        abstract String done();

        @Override
        public Integer call() {
            String target = id.strip();
            target = target.equalsIgnoreCase("all") ? "ALL" : target.toUpperCase(Locale.ROOT);
            String n = count(request(config.load(), "queue " + verb() + " " + target).data());
            if (n.equals("0") && !target.equals("ALL")) {
                throw new CliException(target + ": no such message" + (verb().equals("release") ? " on hold" : ""));
            }
            // postsuper's wording: "postsuper: Deleted: 1 message"
            out().println("postern: " + done() + ": " + n + " message" + (n.equals("1") ? "" : "s"));
            out().flush();
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a message, or ALL (postsuper -d).")
    static final class Delete extends IdVerb {
        String verb() {
            return "delete";
        }

        String done() {
            return "Deleted";
        }
    }

    @Command(name = "hold", description = "Put a message, or ALL, on hold (postsuper -h).")
    static final class Hold extends IdVerb {
        String verb() {
            return "hold";
        }

        String done() {
            return "Placed on hold";
        }
    }

    @Command(name = "release", description = "Release a message, or ALL, from hold (postsuper -H).")
    static final class Release extends IdVerb {
        String verb() {
            return "release";
        }

        String done() {
            return "Released from hold";
        }
    }
}
