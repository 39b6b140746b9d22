package dev.roost.server.users;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerAdminRulesTest {
    @Test
    void theLastEnabledAdminStaysAnAdmin() {
        // Another admin tries to demote, disable or delete the only enabled admin (e.g. they were
        // demoted themselves a moment ago by a concurrent request).
        assertThat(ServerAdminRules.refusal(false, true, false, 1)).hasValueSatisfying(r -> assertThat(r).contains("last"));
        assertThat(ServerAdminRules.refusal(false, true, false, 2)).isEmpty();
    }

    @Test
    void nobodyRemovesTheirOwnAdminRights() {
        assertThat(ServerAdminRules.refusal(true, true, false, 5)).hasValueSatisfying(r -> assertThat(r).contains("your own"));
    }

    @Test
    void changesThatKeepOrGrantAdminRightsAreFine() {
        assertThat(ServerAdminRules.refusal(true, true, true, 1)).isEmpty();
        assertThat(ServerAdminRules.refusal(false, false, true, 1)).isEmpty();
        assertThat(ServerAdminRules.refusal(false, false, false, 1)).as("a plain user or a disabled admin").isEmpty();
    }
}
