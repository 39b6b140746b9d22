package dev.roost.store;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import org.jdbi.v3.core.statement.Update;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Small shared pieces of row mapping used by every repository. */
public final class Rows {
    private static final String UNIQUE_VIOLATION = "23505";

    private Rows() {
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** Now, at the precision PostgreSQL keeps (microseconds), so values survive a round trip. */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    public static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, java.time.ZoneOffset.UTC);
    }

    /** Executes an insert; a unique violation becomes ALREADY_EXISTS naming {@code what}. */
    public static int insertUnique(Update update, String what) {
        try {
            return update.execute();
        } catch (UnableToExecuteStatementException e) {
            if (isUniqueViolation(e)) {
                throw new RoostException(ErrorCode.ALREADY_EXISTS, what + " already exists.");
            }
            throw e;
        }
    }

    public static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
