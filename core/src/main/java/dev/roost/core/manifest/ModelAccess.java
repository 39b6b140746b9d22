package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * Models the agent may call through the Roost model gateway. When {@code allowedModels}
 * is omitted it holds just the default model (or nothing when there is no default model,
 * which means no model access).
 */
public record ModelAccess(Optional<String> defaultModel, List<String> allowedModels, Optional<BigDecimal> monthlyBudgetUsd) {
    public static final ModelAccess NONE = new ModelAccess(Optional.empty(), List.of(), Optional.empty());

    public ModelAccess {
        requireNonNull(defaultModel, "defaultModel is null");
        allowedModels = List.copyOf(requireNonNull(allowedModels, "allowedModels is null"));
        requireNonNull(monthlyBudgetUsd, "monthlyBudgetUsd is null");
    }
}
