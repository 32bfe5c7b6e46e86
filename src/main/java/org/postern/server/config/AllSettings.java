package org.postern.server.config;

import java.util.List;
import org.postern.core.config.Setting;
import org.postern.directory.DirectorySettings;
import org.postern.dns.DnsSettings;
import org.postern.smtp.SmtpSettings;
import org.postern.smtp.policy.PolicySettings;
import org.postern.smtp.queue.QueueSettings;
import org.postern.store.StoreSettings;

/** Every component's settings, in the order the config file and `config show` present them. */
public final class AllSettings {
    private AllSettings() {
    }

    /** All settings, grouped by section (in order of first appearance), so each section is written once. */
    public static List<Setting<?>> list() {
        java.util.Map<String, java.util.List<Setting<?>>> bySection = new java.util.LinkedHashMap<>();
        for (Setting<?> s : declared()) {
            bySection.computeIfAbsent(s.section(), k -> new java.util.ArrayList<>()).add(s);
        }
        return bySection.values().stream().flatMap(List::stream).toList();
    }

    private static List<Setting<?>> declared() {
        return ServerSettings.concat(ServerSettings.all(), DnsSettings.all(), DirectorySettings.all(), StoreSettings.all(),
                SmtpSettings.all(), PolicySettings.all(), QueueSettings.all());
    }
}
