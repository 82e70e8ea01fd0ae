package dev.ledger.explain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ledger.entitlement.OverLimit;
import dev.ledger.entitlement.Period;
import dev.ledger.entitlement.PeriodWindow;
import dev.ledger.entitlement.UsagePolicy;
import dev.ledger.projection.dynamodb.EntitlementTable.ItemUsage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/** The {@code table} part of an explanation: what the item holds and whether a reader of the table sees the count. */
class TableAgreementTest {

    private static final Instant JAN = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant FEB = Instant.parse("2025-02-01T00:00:00Z");
    private static final Instant MAR = Instant.parse("2025-03-01T00:00:00Z");
    private static final UsagePolicy MONTHLY = new UsagePolicy(10, Period.MONTHLY, null, OverLimit.REJECT);

    private static WindowFold.Window window(Instant start, Instant end, long used) {
        return new WindowFold.Window(new PeriodWindow(start, end), MONTHLY, used, List.of());
    }

    private static Explanation.Table table(ItemUsage item, WindowFold.Window window, Instant now) {
        return Explanations.item(() -> Optional.ofNullable(item), window, now);
    }

    @Test
    void an_item_with_the_windows_start_and_count_agrees_and_shows_what_it_holds() {
        Explanation.Table table =
                table(new ItemUsage(4L, 9L, JAN.toString(), FEB.toString()), window(JAN, FEB, 4), JAN.plusSeconds(60));

        assertThat(table).isEqualTo(new Explanation.Table(4L, 9L, JAN.toString(), true, null));
    }

    @Test
    void an_item_with_another_count_or_window_does_not_agree() {
        Instant now = FEB.plusSeconds(60);

        assertThat(table(new ItemUsage(3L, 9L, FEB.toString(), MAR.toString()), window(FEB, MAR, 4), now)
                        .agrees())
                .isFalse();
        assertThat(table(new ItemUsage(4L, 9L, JAN.toString(), MAR.toString()), window(FEB, MAR, 4), now)
                        .agrees())
                .isFalse();
    }

    @Test
    void an_item_whose_window_has_ended_reads_as_zero_in_a_later_window_as_the_table_contract_says() {
        ItemUsage january = new ItemUsage(4L, 9L, JAN.toString(), FEB.toString());
        Instant now = FEB.plusSeconds(60);

        assertThat(table(january, window(FEB, MAR, 0), now).agrees()).isTrue();
        assertThat(table(january, window(FEB, MAR, 1), now).agrees()).isFalse();
    }

    @Test
    void no_item_shows_nulls_and_does_not_agree() {
        assertThat(table(null, window(JAN, FEB, 0), JAN))
                .isEqualTo(new Explanation.Table(null, null, null, false, null));
    }

    @Test
    void a_failing_dynamodb_is_reported_in_the_table_part_instead_of_failing_the_answer() {
        Explanation.Table table = Explanations.item(
                () -> {
                    throw DynamoDbException.builder().message("unreachable").build();
                },
                window(JAN, FEB, 0),
                JAN);

        assertThat(table.agrees()).isFalse();
        assertThat(table.usageCount()).isNull();
        assertThat(table.error()).contains("could not be read").contains("DynamoDbException");
    }
}
