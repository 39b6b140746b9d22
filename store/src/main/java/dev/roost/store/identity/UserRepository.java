package dev.roost.store.identity;

import static java.util.Objects.requireNonNull;

import dev.roost.core.identity.User;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Local users and their password hashes. Usernames are unique regardless of case. */
public final class UserRepository {
    private static final String COLUMNS = "id, username, display_name, server_admin, disabled, created_at";

    private final Handle handle;

    public UserRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /** A user with the stored password hash, for login only. */
    public record Credentials(User user, String passwordHash) {
    }

    public User create(String username, String displayName, String passwordHash, boolean serverAdmin) {
        UUID id = UUID.randomUUID();
        Rows.insertUnique(handle.createUpdate("""
                        INSERT INTO users (id, username, display_name, password_hash, server_admin)
                        VALUES (:id, :username, :displayName, :hash, :admin)""")
                .bind("id", id)
                .bind("username", username)
                .bind("displayName", displayName)
                .bind("hash", passwordHash)
                .bind("admin", serverAdmin), "user " + username);
        return findById(id).orElseThrow();
    }

    public Optional<User> findById(UUID id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> map(rs)).findOne();
    }

    public Optional<User> findByUsername(String username) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM users WHERE lower(username) = lower(:u)")
                .bind("u", username).map((rs, ctx) -> map(rs)).findOne();
    }

    public Optional<Credentials> credentials(String username) {
        return handle.createQuery("SELECT " + COLUMNS + ", password_hash FROM users WHERE lower(username) = lower(:u)")
                .bind("u", username)
                .map((rs, ctx) -> new Credentials(map(rs), rs.getString("password_hash")))
                .findOne();
    }

    public List<User> list() {
        return handle.createQuery("SELECT " + COLUMNS + " FROM users ORDER BY lower(username)")
                .map((rs, ctx) -> map(rs)).list();
    }

    public long count() {
        return handle.createQuery("SELECT count(*) FROM users").mapTo(Long.class).one();
    }

    public long countActiveAdmins() {
        return handle.createQuery("SELECT count(*) FROM users WHERE server_admin AND NOT disabled").mapTo(Long.class).one();
    }

    public void setPasswordHash(UUID id, String hash) {
        handle.createUpdate("UPDATE users SET password_hash = :h, updated_at = now() WHERE id = :id")
                .bind("h", hash).bind("id", id).execute();
    }

    public void update(UUID id, String displayName, boolean serverAdmin, boolean disabled) {
        handle.createUpdate("""
                        UPDATE users SET display_name = :d, server_admin = :a, disabled = :x, updated_at = now()
                        WHERE id = :id""")
                .bind("d", displayName).bind("a", serverAdmin).bind("x", disabled).bind("id", id).execute();
    }

    public boolean delete(UUID id) {
        return handle.createUpdate("DELETE FROM users WHERE id = :id").bind("id", id).execute() == 1;
    }

    static User map(ResultSet rs) throws SQLException {
        return new User(
                rs.getObject("id", UUID.class),
                rs.getString("username"),
                rs.getString("display_name"),
                rs.getBoolean("server_admin"),
                rs.getBoolean("disabled"),
                Rows.instant(rs, "created_at"));
    }
}
