// The 8 x 8 handwritten digits (examples/data/digits.csv) with one hidden layer of 32 relu units
// and a softmax output: 20% of the samples held out, features standardised with the training part's
// statistics, Adam on mini-batches of 64, a fixed seed. Prints the held-out accuracy.
#include <fmt/format.h>

#include <gradlab/networks/train.hpp>
#include <gradlab/neuron/csv.hpp>
#include <gradlab/neuron/fit.hpp>

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "examples/data/digits.csv";
  const gradlab::Dataset d = gradlab::select_columns(gradlab::read_csv(path), "label");
  gradlab::DataSplit s = gradlab::validation_split(d.X, gradlab::one_hot(d.y, 10), 0.2, 1);
  const gradlab::Standardization st = gradlab::standardization(s.X_train);
  s.X_train = st.apply(s.X_train);
  s.X_val = st.apply(s.X_val);

  // 64 inputs, 32 relu units, 10 softmax outputs
  const gradlab::Architecture arch{64, {32}, "relu", 10, gradlab::NetworkLoss::CrossEntropy, ""};
  gradlab::Network net = gradlab::make_network(arch, gradlab::Init::He, 1);
  auto adam = gradlab::make_optimizer("adam", {.learning_rate = 0.01});
  const gradlab::NetworkHistory h = gradlab::fit_network(
      net, s.X_train, s.Y_train, *adam, {.epochs = 30, .batch = 64, .seed = 1}, &s.X_val, &s.Y_val);
  for (const gradlab::EpochRow& r : h.rows)
    if (r.epoch % 5 == 0)
      fmt::print("epoch {:2}: training loss {:.4f} accuracy {:.4f}, held-out loss {:.4f} accuracy {:.4f}\n",
                 r.epoch, r.loss, r.accuracy, *r.validation_loss, *r.validation_accuracy);
  fmt::print("{} training and {} held-out samples, held-out accuracy {:.4f}\n", s.X_train.rows(),
             s.X_val.rows(), *h.rows.back().validation_accuracy);
  return *h.rows.back().validation_accuracy >= 0.97 ? 0 : 1;
}
