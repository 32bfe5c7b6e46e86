package org.postern.pipeline;

import java.util.List;
import org.postern.core.MessageSource;

/**
 * The message at end of data as body-stage checks see it: exactly the bytes that will be stored
 * (our trace headers and the client's content, read back from the spool), plus the header fields
 * earlier checks of this stage decided to add in front.
 *
 * @param source the spooled message, readable any number of times
 * @param added  header fields already decided for the header block (in order)
 */
public record MessageView(MessageSource source, List<HeaderField> added) {
    public MessageView {
        added = List.copyOf(added);
    }

    public long size() {
        return source.size();
    }
}
