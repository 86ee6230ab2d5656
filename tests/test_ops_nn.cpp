// The nn family (ops/nn_functions.hpp): values and gradients against PyTorch 1.13, stability at
// logits of 1e4, variance of offset data, running statistics, dropout masks, and the errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../ops/nn_kernels.hpp"

using tg::Reduction;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

// Reference numbers: torch 1.13.0 (Debian python3-torch), float64, generated offline by a script
// that builds the inputs below, calls torch.nn.functional and prints every value with repr():
// F.softmax, F.log_softmax, torch.logsumexp, F.cross_entropy (+ backward), F.nll_loss,
// F.binary_cross_entropy(_with_logits), F.smooth_l1_loss, F.huber_loss, F.mse_loss, F.l1_loss,
// F.kl_div, F.cosine_similarity, F.margin_ranking_loss, F.hinge_embedding_loss, F.layer_norm,
// F.batch_norm, F.group_norm, F.instance_norm (see each test case for the call).
// softmax [3, 5]
const std::vector<double> ref_softmax = {0.1113551582890439,  0.01935062497943568,  0.4990591958297732,
                                         0.06754031761945851, 0.30269470328228865,  0.08224858014582288,
                                         0.22357482082694777, 0.023564612746718054, 0.4733078994048242,
                                         0.1973040868756873,  0.6176376979332426,   0.018651042380568264,
                                         0.06509853442233877, 0.006861335048228339, 0.29175139021562196};
// log_softmax dim0 [3, 5]
const std::vector<double> ref_log_softmax_dim0 = {
    -2.6003906563725323,  -2.02797574385531,   -0.2660654341800425,  -1.3715390318526828,
    -1.2148651504772248,  -3.8503906563725323, -0.5279757438553099,  -4.266065434180042,
    -0.37153903185268283, -2.589865150477225,  -0.10039065637253247, -1.2779757438553099,
    -1.5160654341800426,  -2.871539031852683,  -0.4648651504772248};
// logsumexp all []
const std::vector<double> ref_logsumexp_all = {3.971594128830705};
// ce mean []
const std::vector<double> ref_ce_mean = {1.4749643187447445};
// ce mean grad [3, 5]
const std::vector<double> ref_ce_mean_grad = {
    0.03711838609634796,  0.006450208326478559,  -0.16698026805674226, 0.02251343920648617,
    0.10089823442742954,  -0.30591713995139236,  0.07452494027564927,  0.007854870915572685,
    0.15776929980160806,  0.06576802895856244,   0.2058792326444142,   0.006217014126856086,
    0.021699511474112924, 0.0022871116827427795, -0.236082869928126};
// ce sum smooth0.1 []
const std::vector<double> ref_ce_sum_smooth0_1 = {4.6673929562342344};
// ce sum smooth0.1 grad [3, 5]
const std::vector<double> ref_ce_sum_smooth0_1_grad = {
    0.09135515828904389, -0.0006493750205643217, -0.42094080417022683, 0.04754031761945851,
    0.28269470328228863, -0.8377514198541771,    0.20357482082694783,  0.003564612746718057,
    0.4533078994048242,  0.17730408687568736,    0.5976376979332426,   -0.0013489576194317399,
    0.04509853442233877, -0.013138664951771661,  -0.628248609784378};
// ce weighted mean []
const std::vector<double> ref_ce_weighted_mean = {1.2868562560617043};
// ce weighted mean grad [3, 5]
const std::vector<double> ref_ce_weighted_mean_grad = {
    0.06363151902231079, 0.011057499988248959, -0.2862518880972724, 0.03859446721111915,
    0.1729684018755935,  -0.26221469138690773, 0.0638785202362708,  0.006732746499062301,
    0.13523082840137834, 0.05637259625019638,  0.08823395684760608, 0.0026644346257954656,
    0.00929979063176268, 0.000980190721175477, -0.10117837282633971};
// ce weighted smooth0.2 mean []
const std::vector<double> ref_ce_weighted_smooth0_2_mean = {1.9954721595974716};
// ce weighted smooth0.2 mean grad [3, 5]
const std::vector<double> ref_ce_weighted_smooth0_2_mean_grad = {
    0.05283926278396248,    -0.03454621072615426,  -0.19197154983538806, 0.004694697597516058,
    0.16898380018006373,    -0.21133049492059888,  0.032217508973964686, -0.014643192128286847,
    0.13069589636396733,    0.06306028171095389,   0.13327511780150256,  -0.04134461292798115,
    -0.0076054862210520584, -0.032678201502986504, -0.05164681714948286};
// ce ignore0 smooth0.1 mean []
const std::vector<double> ref_ce_ignore0_smooth0_1_mean = {1.1084419020419047};
// ce ignore0 smooth0.1 mean grad [3, 5]
const std::vector<double> ref_ce_ignore0_smooth0_1_mean_grad = {0.045677579144521946,
                                                                -0.00032468751028216086,
                                                                -0.21047040208511342,
                                                                0.023770158809729255,
                                                                0.14134735164114431,
                                                                0.0,
                                                                0.0,
                                                                0.0,
                                                                0.0,
                                                                0.0,
                                                                0.2988188489666213,
                                                                -0.0006744788097158699,
                                                                0.022549267211169385,
                                                                -0.0065693324758858305,
                                                                -0.314124304892189};
// ce weighted ignore2 mean []
const std::vector<double> ref_ce_weighted_ignore2_mean = {2.075957182345189};
// ce weighted ignore2 mean grad [3, 5]
const std::vector<double> ref_ce_weighted_ignore2_mean_grad = {0.0,
                                                               0.0,
                                                               0.0,
                                                               0.0,
                                                               0.0,
                                                               -0.6118342799027847,
                                                               0.14904988055129853,
                                                               0.01570974183114537,
                                                               0.3155385996032161,
                                                               0.1315360579171249,
                                                               0.2058792326444142,
                                                               0.006217014126856086,
                                                               0.021699511474112924,
                                                               0.0022871116827427795,
                                                               -0.236082869928126};
// ce probs weighted smooth0.1 []
const std::vector<double> ref_ce_probs_weighted_smooth0_1 = {2.6492544649792005};
// ce probs grad [3, 5]
const std::vector<double> ref_ce_probs_grad = {
    0.004574192886595726,   -0.03276118898266901,  -0.033700228014212213, -0.03530076722758055,
    0.09718799133786603,    -0.08504150639381179,  -0.044563429356558305, -0.0024463629831715517,
    0.08301479543039245,    0.04903650330314932,   0.26238166328386814,   -0.3541995710372543,
    0.00031078657786906777, -0.009920099048582954, 0.10142722022410004};
// nll weighted []
const std::vector<double> ref_nll_weighted = {1.2868562560617043};
// bce logits pw2.5 [7]
const std::vector<double> ref_bce_logits_pw2_5 = {7.621468378934355,
                                                  0.4740769841801067,
                                                  1.7328679513998633,
                                                  1.0101121588243234,
                                                  2.1269280110429727,
                                                  0.0,
                                                  25000.0};
// bce logits grad [7]
const std::vector<double> ref_bce_logits_grad = {
    -2.381435317056083, 0.3775406687981454, -1.25, 0.06515592628440714, 0.8807970779778823, 0.0, -2.5};
// bce [6]
const std::vector<double> ref_bce = {0.0,  2.3025850929940455, 0.6931471805599453, 2.302585092994046,
                                     -0.0, 1.2039728043259361};
// smooth_l1 beta0.8 [5]
const std::vector<double> ref_smooth_l1_beta0_8 = {0.025000000000000005, 0.0, 2.6, 3.6, 0.30624999999999997};
// huber delta1.5 [5]
const std::vector<double> ref_huber_delta1_5 = {0.020000000000000004, 0.0, 3.375, 4.875, 0.24499999999999997};
// mse []
const std::vector<double> ref_mse = {5.106};
// l1 []
const std::vector<double> ref_l1 = {7.9};
// kl batchmean []
const std::vector<double> ref_kl_batchmean = {0.5725031609119123};
// kl mean []
const std::vector<double> ref_kl_mean = {0.11450063218238246};
// kl logtarget sum []
const std::vector<double> ref_kl_logtarget_sum = {1.9913097121975656};
// cos dim1 [3]
const std::vector<double> ref_cos_dim1 = {0.3941968042835959, 0.2987527198434239, 0.22517699251894482};
// cos eps [1]
const std::vector<double> ref_cos_eps = {0.7071067811865476};
// margin_ranking m0.5 [4]
const std::vector<double> ref_margin_ranking_m0_5 = {1.0, 1.5, 2.0, 0.6};
// hinge m1.5 [4]
const std::vector<double> ref_hinge_m1_5 = {0.5, 2.5, 0.0, 0.0};
// layer_norm [2, 3, 4]
const std::vector<double> ref_layer_norm = {
    0.12931039016288348,  -2.2224169212389606,  -1.165519508144174,  -0.3517246819546018,
    0.2825736989725073,   -1.2954421938350436,  1.3954421938350434,  2.921179183560116,
    0.38554478724184116,  -2.7699030851765705,  -0.4787585106595669, 0.7268412766155958,
    -0.48834659512012135, -0.19999999999999993, 0.6922310634134141,  3.137848507307314,
    0.15423241028597434,  1.9150640011529991,   1.710042667435333,   -0.21692964114389746,
    0.7974828163275286,   0.49748281632752855,  0.9974828163275287,  -2.324942721091762};
// layer_norm dx [2, 3, 4]
const std::vector<double> ref_layer_norm_dx = {
    -0.5234372722399816,  -0.10716842197933774, -0.001773637288354002, 0.6323793315076734,
    0.13023618440046622,  -0.07789866982842525, 0.010953584538117317,  -0.06329109911015834,
    0.10769581637218001,  0.09225042323522893,  0.40738805134635514,   -0.6073342909537641,
    0.26701828231264724,  -0.137280872194695,   -0.2640018629678571,   0.13426445284990488,
    -0.07579760635586198, 0.3162089642371787,   0.3562729233089032,    -0.59668428119022,
    0.14892011554325352,  -0.27585194243842887, 0.14640950073209058,   -0.019477673836915343};
// layer_norm dw [4]
const std::vector<double> ref_layer_norm_dw = {-0.07061987458497088, -0.04702955521453567,
                                               -0.6565307537717517, -0.30185740815758044};
// layer_norm db [4]
const std::vector<double> ref_layer_norm_db = {-0.6000000000000001, 0.30000000000000004, 0.09999999999999998,
                                               -0.10000000000000003};
// batch_norm train [2, 3, 4]
const std::vector<double> ref_batch_norm_train = {
    0.03987598901534817,  -1.8741714837213652,  1.9539234617520616,  -0.2791319231074374,
    -0.10006904478096201, 0.46004142686857724,  0.6467449174184237,  -0.6601795164305013,
    -0.19330650134189775, -4.925908360136097,   0.23693003127575674, -0.6235430339595522,
    -1.8741714837213652,  0.03987598901534817,  -0.598139835230223,  2.5919392859976327,
    0.366689681593654,    -0.19342079005588522, 1.0201518985181166,  0.46004142686857724,
    1.9578761617463747,   0.23693003127575674,  -1.9142526318125157, -2.774725697047825};
// batch_norm dx [2, 3, 4]
const std::vector<double> ref_batch_norm_dx = {
    -0.7299081662921936,   -0.019567528678624792, -0.16421715541462029,  0.5156432294772435,
    -0.026602282617270184, 0.09811090541229454,   -0.17149051616092795,  0.03538801990301152,
    -0.47522035265135987,  0.4885361512710962,    0.06296401261773246,   -0.6692154918263287,
    -0.019567528678624792, -0.347098671744851,    0.48516297675553843,   0.27955284457613266,
    0.10221917281401328,   -0.1345161095454593,   -0.038560793327925745, 0.13545160352226382,
    0.8389445693176076,    0.06296401261773246,   -0.7349170702100495,   0.4259441688635691};
// running_mean [3]
const std::vector<double> ref_running_mean = {0.17375000000000002, -0.04750000000000003, 0.29625};
// running_var [3]
const std::vector<double> ref_running_var = {1.1158482142857142, 2.0098214285714286, 0.7087053571428572};
// batch_norm eval [2, 3, 4]
const std::vector<double> ref_batch_norm_eval = {
    0.463273300996082,   -1.6667188874916514, 2.5932654894838154,  0.1082746029147931,  -0.29578405721768,
    0.23324733911609705, 0.4095911378940227,  -0.8248154535514569, 0.07798002122612624, -6.455232228629185,
    0.6719084075766091,  -0.5159483651243566, -1.6667188874916514, 0.463273300996082,   -0.24672409516649582,
    3.3032628856463933,  0.14507543972713421, -0.3839559566066428, 0.762278735449874,   0.23324733911609705,
    3.0476219529785404,  0.6719084075766091,  -2.297733524175805,  -3.485590296876771};
// group_norm 3 groups of (2,6,2) [2, 6, 2]
const std::vector<double> ref_group_norm_3_groups_of_2_6_2 = {
    0.05862078032576695, -1.3482779474926403,   3.0310390162883483,  -0.25172468195460185,
    0.38257369897250726, -0.16514739794501448,  1.3954421938350436,  -1.160589591780058,
    1.2566343617255236,  -2.1699030851765704,   0.6946896276648917,  0.5908551595769495,
    -1.1766931902402427, 5.551115123125783e-17, -0.6844621268268284, 3.237848507307314,
    0.2542324102859743,  0.9050213337176665,    1.7100426674353328,  0.4084648205719487,
    2.4924484489825858,  1.0974828163275285,    0.32562929591811784, 0.20938215986352976};
// instance_norm [2, 3, 4]
const std::vector<double> ref_instance_norm = {0.08793117048865051, -2.0224169212389604,
                                               2.1982792622162615,  -0.2637935114659513,
                                               0.06742630102749275, 0.6151473979450145,
                                               0.7977210969175217,  -0.480294795890029,
                                               0.1421791489673645,  -4.426537446902094,
                                               0.5575170213191334,  -0.2731587233844044,
                                               -1.765039785360364,  0.0,
                                               -0.5883465951201213, 2.3533863804804853,
                                               0.1957675897140257,  -0.45502133371766645,
                                               0.9550213337176665,  0.30423241028597436,
                                               1.7899312653101145,  -0.0700229115632951,
                                               -2.3949656326550572, -3.324942721091762};

const std::vector<double> X = {0.5, -1.25, 2.0, 0.0,  1.5,  -0.75, 0.25, -2.0,
                               1.0, 0.125, 3.0, -0.5, 0.75, -1.5,  2.25};
const std::vector<double> G = {0.3, -0.2, 0.7,  0.1, -0.5, 0.9,  0.4, -0.6,
                               0.2, 0.05, -0.3, 0.8, 0.1,  -0.7, 0.6};
const std::vector<tg::index_t> targets = {2, 0, 4};
const std::vector<double> class_w = {0.5, 2.0, 1.0, 1.5, 0.25};

void check_close(const Tensor<double>& got, const std::vector<double>& want, double tol = 1e-12) {
    const auto v = got.to_vector();
    REQUIRE(v.size() == want.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        INFO("element " << i);
        CHECK(v[i] == doctest::Approx(want[i]).epsilon(tol).scale(1.0));
    }
}

Var<double> logits(bool grad = true) { return Var<double>(Tensor<double>::from_vector(X, {3, 5}), grad); }

template <class T>
bool all_finite(const Tensor<T>& t) {
    for (T v : t.to_vector())
        if (!std::isfinite(v)) return false;
    return true;
}

template <class E, class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("softmax, log_softmax and logsumexp match torch") {
    check_close(tg::softmax(logits(), 1).value(), ref_softmax);
    check_close(tg::log_softmax(logits(), 0).value(), ref_log_softmax_dim0);
    check_close(tg::logsumexp(logits(), Shape{0, 1}).value(), ref_logsumexp_all);
    check_close(tg::softmax(Tensor<double>::from_vector(X, {3, 5})), ref_softmax);
    // multi-axis logsumexp with keepdims against the one-axis form applied twice
    const Tensor<double> x3 = tg::normal<double>({2, 3, 4});
    const Tensor<double> both = tg::logsumexp(x3, Shape{0, 2}, true);
    const Tensor<double> twice = tg::logsumexp(tg::logsumexp(x3, Shape{2}, true), Shape{0}, true);
    CHECK(both.shape() == Shape{1, 3, 1});
    CHECK(tg::allclose(both, twice, 1e-12));
}

TEST_CASE_TEMPLATE("the softmax family and the logit losses are finite at logits of 1e4", T, float, double) {
    tg::clear_tape<T>();
    const T big = T(1e4);
    const Var<T> x(Tensor<T>::from_vector({big, T(0), -big, -big, -big, -big}, {2, 3}), true);
    const Tensor<T> seed = Tensor<T>::from_vector({T(0.3), T(-0.7), T(0.2), T(0.5), T(0.1), T(-0.4)}, {2, 3});
    const Var<T> sm = tg::softmax(x, 1), ls = tg::log_softmax(x, 1), lse = tg::logsumexp(x, Shape{1});
    CHECK(sm.value().to_vector() == std::vector<T>{1, 0, 0, T(1) / 3, T(1) / 3, T(1) / 3});
    const auto l = ls.value().to_vector();
    CHECK(l[0] == 0);
    CHECK(l[1] == -big);
    CHECK(l[2] == -2 * big);
    CHECK(l[3] == doctest::Approx(-std::log(3.0)).epsilon(1e-3));  // float: ulp(1e4) ~ 1e-3
    const auto e = lse.value().to_vector();
    CHECK(e[0] == big);
    CHECK(e[1] == doctest::Approx(-1e4 + std::log(3.0)).epsilon(1e-6));
    for (const Var<T>& y : {sm, ls})
        CHECK(all_finite(tg::gradients(y, {x}, seed, {.keep_graph = true})[0].value()));
    CHECK(all_finite(
        tg::gradients(lse, {x}, Tensor<T>::from_vector({T(1), T(-2)}, {2}), {.keep_graph = true})[0].value()));
    // second order through the recorded rules
    const auto g = tg::gradients(tg::log_softmax(x, 1), {x}, seed, {.create_graph = true})[0];
    CHECK(all_finite(tg::gradients(tg::sum(g * g), {x}, Tensor<T>::scalar(1))[0].value()));

    const Var<T> ce = tg::cross_entropy(x, std::vector<tg::index_t>{0, 2}, {.reduction = Reduction::none});
    CHECK(ce.value().to_vector()[0] == 0);
    CHECK(ce.value().to_vector()[1] == doctest::Approx(std::log(3.0)).epsilon(1e-3));
    CHECK(all_finite(tg::gradients(tg::mean(ce), {x}, Tensor<T>::scalar(1))[0].value()));
    const Var<T> ce2 = tg::cross_entropy(x, std::vector<tg::index_t>{2, 2}, {.label_smoothing = 0.1});
    CHECK(all_finite(ce2.value()));
    CHECK(all_finite(tg::gradients(ce2, {x}, Tensor<T>::scalar(1))[0].value()));

    const Var<T> z(Tensor<T>::from_vector({big, -big, big, -big}), true);
    const Var<T> t(Tensor<T>::from_vector({T(1), T(1), T(0), T(0)}));
    const Var<T> b = tg::binary_cross_entropy_with_logits(z, t, Reduction::none);
    CHECK(b.value().to_vector() == std::vector<T>{0, big, big, 0});
    const auto gb =
        tg::gradients(b, {z}, Tensor<T>::from_vector({T(1), T(1), T(1), T(1)}))[0].value().to_vector();
    CHECK(gb == std::vector<T>{0, -1, 1, 0});
}

TEST_CASE("cross_entropy with class indices matches torch: smoothing, class weights, ignore_index") {
    struct Case {
        tg::CrossEntropyOptions o;
        const std::vector<double>& value;
        const std::vector<double>& grad;
    };
    const std::vector<Case> cases = {
        {{}, ref_ce_mean, ref_ce_mean_grad},  // F.cross_entropy(X, t)
        {{.reduction = Reduction::sum, .label_smoothing = 0.1}, ref_ce_sum_smooth0_1, ref_ce_sum_smooth0_1_grad},
        {{.weight = class_w}, ref_ce_weighted_mean, ref_ce_weighted_mean_grad},  // weight=w
        {{.weight = class_w, .label_smoothing = 0.2},
         ref_ce_weighted_smooth0_2_mean,
         ref_ce_weighted_smooth0_2_mean_grad},
        {{.label_smoothing = 0.1, .ignore_index = 0},
         ref_ce_ignore0_smooth0_1_mean,
         ref_ce_ignore0_smooth0_1_mean_grad},
        {{.weight = class_w, .ignore_index = 2},
         ref_ce_weighted_ignore2_mean,
         ref_ce_weighted_ignore2_mean_grad}};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO("case " << i);
        const Var<double> x = logits();
        const Var<double> l = tg::cross_entropy(x, targets, cases[i].o);
        check_close(l.value(), cases[i].value);
        check_close(tg::gradients(l, {x}, Tensor<double>::scalar(1))[0].value(), cases[i].grad);
    }
    // (N, C, d) layout against the (N*d, C) one, reduction none
    const Tensor<double> x3 = tg::normal<double>({2, 5, 3});
    const std::vector<tg::index_t> t3 = {0, 4, 2, 1, 1, 3};
    const Var<double> l3 = tg::cross_entropy(Var<double>(x3), tg::IndexArray{{2, 3}, t3},
                                             {.reduction = Reduction::none});
    const Var<double> flat = tg::cross_entropy(Var<double>(x3.permute({0, 2, 1}).reshape({6, 5})), t3,
                                               {.reduction = Reduction::none});
    CHECK(tg::allclose(l3.value().reshape({6}), flat.value(), 1e-12));
}

TEST_CASE("cross_entropy with target probabilities and nll_loss match torch") {
    const Var<double> x = logits();
    const Tensor<double> probs = tg::softmax(Tensor<double>::from_vector(G, {3, 5}) * 3.0, 1);
    // F.cross_entropy(X, softmax(3 G), weight=w, label_smoothing=0.1)
    const Var<double> l = tg::cross_entropy(x, Var<double>(probs), {.weight = class_w, .label_smoothing = 0.1});
    check_close(l.value(), ref_ce_probs_weighted_smooth0_1);
    check_close(tg::gradients(l, {x}, Tensor<double>::scalar(1))[0].value(), ref_ce_probs_grad);
    // F.nll_loss(F.log_softmax(X, 1), t, weight=w)
    check_close(tg::nll_loss(tg::log_softmax(x, 1), targets, {.weight = class_w}).value(), ref_nll_weighted);
}

TEST_CASE("a class index out of range is an IndexError naming the op, the index and the classes") {
    const Var<double> x = logits();
    const std::string m = error_of<tg::IndexError>([&] {
        tg::cross_entropy(x, std::vector<tg::index_t>{2, 7, 0});
    });
    CHECK(m.find("cross_entropy") != std::string::npos);
    CHECK(m.find("7") != std::string::npos);
    CHECK(m.find("5 classes") != std::string::npos);
    CHECK(error_of<tg::IndexError>([&] {
              tg::cross_entropy(x, std::vector<tg::index_t>{2, -1, 0});
          }).find("-1") != std::string::npos);
    CHECK(error_of<tg::IndexError>([&] {
              tg::nll_loss(x, std::vector<tg::index_t>{5, 0, 0});
          }).find("nll_loss") != std::string::npos);
    CHECK_THROWS_AS(tg::cross_entropy(x, std::vector<tg::index_t>{1, 2}), tg::ShapeError);
    CHECK_THROWS_AS(tg::cross_entropy(x, targets, {.weight = {1.0, 2.0}}), tg::DomainError);
    CHECK_THROWS_AS(tg::cross_entropy(x, targets, {.label_smoothing = 1.5}), tg::DomainError);
    CHECK_THROWS_AS(tg::cross_entropy(x, Var<double>(tg::zeros<double>({3, 4}))), tg::ShapeError);
    CHECK_NOTHROW(tg::cross_entropy(x, std::vector<tg::index_t>{2, -100, 0}));  // the default ignore_index
}

TEST_CASE("binary cross-entropy, with logits and probabilities, matches torch") {
    const Var<double> x(Tensor<double>{-3.0, -0.5, 0.0, 0.25, 2.0, 1e4, -1e4}, true);
    const Var<double> y(Tensor<double>{1.0, 0.0, 1.0, 0.3, 0.0, 1.0, 1.0});
    // F.binary_cross_entropy_with_logits(x, y, reduction='none', pos_weight=2.5)
    const Var<double> l = tg::binary_cross_entropy_with_logits(x, y, Reduction::none, Var<double>(2.5));
    check_close(l.value(), ref_bce_logits_pw2_5);
    check_close(tg::gradients(tg::sum(l), {x}, Tensor<double>::scalar(1))[0].value(), ref_bce_logits_grad);
    // F.binary_cross_entropy(p, t, reduction='none'): log clamped at -100
    const Var<double> p(Tensor<double>{0.0, 0.1, 0.5, 0.9, 1.0, 0.3}, true);
    const Var<double> t(Tensor<double>{0.0, 1.0, 0.5, 0.0, 1.0, 1.0});
    const Var<double> b = tg::binary_cross_entropy(p, t, Reduction::none);
    check_close(b.value(), ref_bce);
    CHECK(all_finite(tg::gradients(tg::sum(b), {p}, Tensor<double>::scalar(1))[0].value()));
    CHECK(tg::binary_cross_entropy(Var<double>(Tensor<double>{0.0}), Var<double>(Tensor<double>{1.0})).item() ==
          100.0);
    CHECK(error_of<tg::DomainError>([&] {
              tg::binary_cross_entropy(Var<double>(Tensor<double>{1.5}), Var<double>(Tensor<double>{1.0}));
          }).find("1.5") != std::string::npos);
}

TEST_CASE("regression and ranking losses match torch") {
    const Var<double> a(Tensor<double>{0.0, 0.5, -2.0, 3.0, 1.0}), b(Tensor<double>{0.2, 0.5, 1.0, -1.0, 1.7});
    check_close(tg::smooth_l1_loss(a, b, Reduction::none, 0.8).value(), ref_smooth_l1_beta0_8);
    check_close(tg::huber_loss(a, b, Reduction::none, 1.5).value(), ref_huber_delta1_5);
    check_close(tg::mse_loss(a, b).value(), ref_mse);
    check_close(tg::l1_loss(a, b, Reduction::sum).value(), ref_l1);
    CHECK(tg::smooth_l1_loss(a, b, Reduction::sum, 0.0).item() == doctest::Approx(ref_l1[0]));
    CHECK_THROWS_AS(tg::smooth_l1_loss(a, b, Reduction::sum, -1.0), tg::DomainError);
    CHECK_THROWS_AS(tg::huber_loss(a, b, Reduction::sum, 0.0), tg::DomainError);
    CHECK_THROWS_AS(tg::mse_loss(a, b, Reduction::batchmean), tg::DomainError);

    const Var<double> x1(Tensor<double>{0.5, -1.0, 2.0, 0.0}), x2(Tensor<double>{1.0, -2.0, 0.5, 0.1});
    const Var<double> y(Tensor<double>{1.0, -1.0, -1.0, 1.0});
    check_close(tg::margin_ranking_loss(x1, x2, y, 0.5, Reduction::none).value(), ref_margin_ranking_m0_5);
    check_close(tg::hinge_embedding_loss(x1, y, 1.5, Reduction::none).value(), ref_hinge_m1_5);
    CHECK_THROWS_AS(tg::hinge_embedding_loss(x1, Var<double>(Tensor<double>{1.0, 0.0, 1.0, 1.0})),
                    tg::DomainError);
}

TEST_CASE("kl_div (log-input convention) and cosine_similarity match torch") {
    const Var<double> lq = tg::log_softmax(logits(), 1);
    Tensor<double> pt = tg::softmax(Tensor<double>::from_vector(G, {3, 5}), 1);
    Tensor<double> pt0 = pt.clone();
    pt0.set({0, 1}, 0.0);  // a zero probability contributes 0
    check_close(tg::kl_div(lq, Var<double>(pt0), Reduction::batchmean).value(), ref_kl_batchmean);
    check_close(tg::kl_div(lq, Var<double>(pt0), Reduction::mean).value(), ref_kl_mean);
    check_close(tg::kl_div(lq, Var<double>(tg::log(pt)), Reduction::sum, true).value(), ref_kl_logtarget_sum);
    const Var<double> q(pt0, true);
    CHECK(all_finite(
        tg::gradients(tg::kl_div(lq, q, Reduction::sum), {q}, Tensor<double>::scalar(1))[0].value()));

    check_close(tg::cosine_similarity(logits(), Var<double>(Tensor<double>::from_vector(G, {3, 5})), 1).value(),
                ref_cos_dim1);
    check_close(tg::cosine_similarity(Var<double>(Tensor<double>{{1e-5, 0.0}}),
                                      Var<double>(Tensor<double>{{1e-4, 1e-4}}), 1, 1e-8)
                    .value(),
                ref_cos_eps);
    // shapes broadcast before the axis is taken: (3, 5) against (5) along the last axis equals the
    // same with the row repeated (it used to take b's norm along an axis b does not have)
    const Tensor<double> row = Tensor<double>::from_vector(G, {3, 5}).slice(0, 1, 2).reshape({5});
    const Tensor<double> rows = row.reshape({1, 5}).broadcast_to({3, 5}).contiguous();
    check_close(tg::cosine_similarity(logits(), Var<double>(row), -1).value(),
                tg::cosine_similarity(logits(), Var<double>(rows), -1).value().to_vector());
    check_close(tg::cosine_similarity(Var<double>(row), logits(), 1).value(),
                tg::cosine_similarity(Var<double>(rows), logits(), 1).value().to_vector());
    CHECK_THROWS_AS(tg::cosine_similarity(logits(), Var<double>(Tensor<double>(tg::Shape{4})), 1),
                    tg::ShapeError);
}

TEST_CASE("layer_norm, batch_norm, group_norm and instance_norm match torch") {
    std::vector<double> z = {0.5,  -1.0, 2.0, 0.25, 1.5,  0.0,  -0.5, 3.0, 0.75, -2.0, 1.0,   0.5,
                             -1.0, 0.5,  0.0, 2.5,  0.25, 1.75, -1.5, 0.0, 2.0,  1.0,  -0.25, -0.75};
    std::vector<double> gz;
    for (int i = 0; i < 24; ++i) gz.push_back(0.1 * ((i * 7) % 11 - 5));
    const Tensor<double> Z = Tensor<double>::from_vector(z, {2, 3, 4}),
                         Gz = Tensor<double>::from_vector(gz, {2, 3, 4});
    {  // F.layer_norm(Z, (4,), w, b, eps=1e-5), backward of sum(out * Gz)
        const Var<double> x(Z, true), w(Tensor<double>{0.5, 1.5, -1.0, 2.0}, true),
            b(Tensor<double>{0.1, -0.2, 0.3, 0.0}, true);
        const Var<double> y = tg::layer_norm(x, {4}, w, b);
        check_close(y.value(), ref_layer_norm, 1e-10);
        const auto g = tg::gradients(y, {x, w, b}, Gz);
        check_close(g[0].value(), ref_layer_norm_dx, 1e-9);
        check_close(g[1].value(), ref_layer_norm_dw, 1e-10);
        check_close(g[2].value(), ref_layer_norm_db, 1e-10);
    }
    Tensor<double> rm{0.1, -0.2, 0.3}, rv{1.0, 2.0, 0.5};
    const Var<double> cw(Tensor<double>{1.5, -0.5, 2.0}), cb(Tensor<double>{0.0, 0.25, -1.0});
    {  // F.batch_norm(Z, rm, rv, cw, cb, training=True, momentum=0.2)
        const Var<double> x(Z, true);
        const Var<double> y = tg::batch_norm(x, &rm, &rv, cw, cb, true, 0.2);
        check_close(y.value(), ref_batch_norm_train, 1e-10);
        check_close(tg::gradients(y, {x}, Gz)[0].value(), ref_batch_norm_dx, 1e-9);
        check_close(rm, ref_running_mean);
        check_close(rv, ref_running_var);
    }
    check_close(tg::batch_norm(Var<double>(Z), &rm, &rv, cw, cb, false).value(), ref_batch_norm_eval, 1e-10);
    CHECK_THROWS_AS(tg::batch_norm(Var<double>(Z), nullptr, nullptr, cw, cb, false), tg::DomainError);
    CHECK_THROWS_AS(tg::batch_norm(Var<double>(tg::zeros<double>({1, 3})), nullptr, nullptr), tg::DomainError);
    // F.group_norm(Z.reshape(2, 6, 2), 3, w6, b6)
    const Var<double> w6(Tensor<double>{1.0, 2.0, 0.5, -1.0, 1.5, 0.25}),
        b6(Tensor<double>{0.0, 0.1, 0.2, 0.3, 0.4, 0.5});
    check_close(tg::group_norm(Var<double>(Z.reshape({2, 6, 2})), 3, w6, b6).value(),
                ref_group_norm_3_groups_of_2_6_2, 1e-10);
    CHECK_THROWS_AS(tg::group_norm(Var<double>(Z.reshape({2, 6, 2})), 4), tg::ShapeError);
    // F.instance_norm(Z, weight=cw, bias=cb)
    check_close(tg::instance_norm(Var<double>(Z), cw, cb).value(), ref_instance_norm, 1e-10);
    CHECK_THROWS_AS(tg::layer_norm(Var<double>(Z), {3}), tg::ShapeError);
    CHECK_THROWS_AS(tg::layer_norm(Var<double>(Z), {4}, Var<double>(Tensor<double>{1.0, 2.0})), tg::ShapeError);
}

TEST_CASE("the variance is stable for data offset by 1e8 in double and 1e4 in float") {
    const Tensor<double> n = tg::normal<double>({4, 64});
    {
        const Tensor<double> shifted = n + 1e8;
        const Tensor<double> want = tg::layer_norm(Var<double>(n), {64}).value();
        CHECK(tg::allclose(tg::layer_norm(Var<double>(shifted), {64}).value(), want, 0, 1e-6));
        const Tensor<double> bn =
            tg::batch_norm(Var<double>(shifted.reshape({4, 1, 64})), nullptr, nullptr).value();
        CHECK(tg::allclose(
            bn.reshape({4, 64}),
            tg::batch_norm(Var<double>(n.reshape({4, 1, 64})), nullptr, nullptr).value().reshape({4, 64}), 0,
            1e-6));
    }
    {  // float: the reference normalizes the same float values in double
        const Tensor<float> shifted = (n + 1e4).to<float>();
        const Tensor<double> want = tg::layer_norm(Var<double>(shifted.to<double>()), {64}).value();
        CHECK(tg::allclose(tg::layer_norm(Var<float>(shifted), {64}).value().to<double>(), want, 0, 1e-4));
        auto [m, v] = tg::kernels::moments(shifted, Shape{1});
        const auto [md, vd] = tg::kernels::moments(shifted.to<double>(), Shape{1});
        CHECK(tg::allclose(v.to<double>(), vd, 1e-5));
    }
}

TEST_CASE("rms_norm scales by the root mean square of the last axes") {
    const Var<double> x(Tensor<double>{{3.0, 4.0}, {1.0, -1.0}});
    const auto y = tg::rms_norm(x, {2}, Var<double>(Tensor<double>{2.0, 1.0}), 0.0).value().to_vector();
    const double r0 = std::sqrt(12.5);
    CHECK(y[0] == doctest::Approx(6.0 / r0));
    CHECK(y[1] == doctest::Approx(4.0 / r0));
    CHECK(y[2] == doctest::Approx(2.0));
    CHECK(y[3] == doctest::Approx(-1.0));
}

TEST_CASE("composed losses and norms pass gradcheck") {
    tg::Generator g(3);
    const Tensor<double> a = tg::normal<double>({3, 4}, 0.0, 1.0, g),
                         b = tg::normal<double>({3, 4}, 0.0, 1.0, g);
    const Tensor<double> w4 = tg::normal<double>({4}, 0.0, 1.0, g);
    using Vs = std::vector<Var<double>>;
    CHECK(tg::gradcheck([](const Vs& v) { return tg::smooth_l1_loss(v[0], v[1], Reduction::sum, 0.7); },
                        {a, b}));
    CHECK(tg::gradcheck([](const Vs& v) { return tg::huber_loss(v[0], v[1], Reduction::mean, 0.9); }, {a, b}));
    CHECK(tg::gradcheck([](const Vs& v) { return tg::cosine_similarity(v[0], v[1], 1); }, {a, b}));
    CHECK(tg::gradcheck(
        [](const Vs& v) {
            return tg::kl_div(tg::log_softmax(v[0], 1), tg::softmax(v[1], 1), Reduction::batchmean);
        },
        {a, b}));
    CHECK(tg::gradcheck(
        [](const Vs& v) { return tg::cross_entropy(v[0], tg::softmax(v[1], 1), {.label_smoothing = 0.1}); },
        {a, b}));
    CHECK(tg::gradcheck(
        [](const Vs& v) {
            return tg::cross_entropy(v[0], std::vector<tg::index_t>{1, 3, 0}, {.weight = {1, 2, 3, 4}});
        },
        {a}));
    CHECK(tg::gradcheck([](const Vs& v) { return tg::layer_norm(v[0], {4}, v[1], v[2]); }, {a, w4, w4.clone()}));
    CHECK(tg::gradcheck([](const Vs& v) { return tg::rms_norm(v[0], {4}, v[1]); }, {a, w4}));
    const Tensor<double> x4 = tg::normal<double>({2, 4, 3}, 0.0, 1.0, g);
    CHECK(tg::gradcheck([](const Vs& v) { return tg::group_norm(v[0], 2, v[1], v[1]); }, {x4, w4}));
    CHECK(tg::gradcheck([](const Vs& v) { return tg::batch_norm(v[0], nullptr, nullptr, v[1], v[1]); },
                        {x4, w4}));
}

TEST_CASE("dropout: inverted scaling, the same mask for the same seed, identity in eval") {
    const Var<double> x(tg::ones<double>({100, 100}), true);
    const Var<double> y = tg::dropout(x, 0.3, 42);
    const auto v = y.value().to_vector();
    std::size_t zeros = 0;
    for (double e : v) {
        CHECK((e == 0.0 || e == doctest::Approx(1 / 0.7)));
        zeros += e == 0.0;
    }
    CHECK(zeros > 2700);
    CHECK(zeros < 3300);
    CHECK(tg::dropout(x, 0.3, 42).value().to_vector() == v);  // the same seed, the same mask
    CHECK(tg::dropout(x, 0.3, 43).value().to_vector() != v);
    CHECK(tg::gradients(y, {x}, tg::ones<double>({100, 100}))[0].value().to_vector() == v);  // xbar = mask
    CHECK(tg::dropout(x, 0.3, 42, false).value().to_vector() == x.value().to_vector());
    CHECK(tg::dropout(x, 1.0, 42).value().to_vector() == std::vector<double>(10000, 0.0));
    CHECK(error_of<tg::DomainError>([&] { tg::dropout(x, 1.5, 1); }).find("1.5") != std::string::npos);
    CHECK(error_of<tg::DomainError>([&] { tg::dropout(x, -0.25, 1); }).find("-0.25") != std::string::npos);
}

TEST_CASE_TEMPLATE("the fused kernels agree with the recorded rules on long rows and middle axes", T, float,
                   double) {
    // Plain sweeps run the kernels of ops/nn_kernels.cpp (SIMD bodies need rows longer than a
    // vector); create_graph sweeps run the Var formulas. Both must give the same gradients.
    tg::Generator gen(5);
    const Tensor<T> x = tg::normal<T>({4, 37, 3}, T(0), T(2), gen);
    const Tensor<T> t01 = tg::uniform<T>({4, 37, 3}, T(0), T(1), gen),
                    pw = tg::uniform<T>({3}, T(0.5), T(2), gen);
    const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-11;
    auto check = [&](const char* what, auto f, std::vector<Tensor<T>> in) {
        auto grads = [&](bool recorded) {
            std::vector<Var<T>> v;
            for (const auto& t : in) v.emplace_back(t, true);
            const Var<T> y = f(v);
            tg::Generator wg(9);  // the same projection both times
            const Var<T> s = tg::sum(y * Var<T>(tg::normal<T>(y.shape(), T(0), T(1), wg)));
            std::vector<Tensor<T>> out;
            for (const auto& g : tg::gradients(s, v, Tensor<T>::scalar(1), {.create_graph = recorded}))
                out.push_back(g.value());
            return out;
        };
        const auto plain = grads(false), rec = grads(true);
        for (std::size_t i = 0; i < plain.size(); ++i) {
            INFO(what << ", input " << i);
            CHECK(tg::allclose(plain[i], rec[i], tol, tol));
        }
    };
    using Vs = std::vector<Var<T>>;
    check("softmax axis 1", [](const Vs& v) { return tg::softmax(v[0], 1); }, {x});
    check("softmax axis 2", [](const Vs& v) { return tg::softmax(v[0], 2); }, {x});
    check("log_softmax axis 1", [](const Vs& v) { return tg::log_softmax(v[0], 1); }, {x});
    check("log_softmax of (12, 37)",
          [](const Vs& v) {
              return tg::log_softmax(tg::reshape(tg::permute(v[0], {0, 2, 1}), {12, 37}), 1);
          },
          {x});
    check("logsumexp axes 0, 2", [](const Vs& v) { return tg::logsumexp(v[0], Shape{0, 2}); }, {x});
    check("logsumexp axis 1", [](const Vs& v) { return tg::logsumexp(v[0], Shape{1}, true); }, {x});
    std::vector<tg::index_t> t;
    for (int i = 0; i < 12; ++i) t.push_back(i == 5 ? -100 : (i * 11) % 37);
    check("cross_entropy (N, C, d), smoothing, ignore",
          [&](const Vs& v) {
              return tg::cross_entropy(v[0], tg::IndexArray{{4, 3}, t},
                                       {.reduction = Reduction::none, .label_smoothing = 0.1});
          },
          {x});
    check("cross_entropy (12, 37)",
          [&](const Vs& v) {
              return tg::cross_entropy(tg::reshape(tg::permute(v[0], {0, 2, 1}), {12, 37}), t,
                                       {.reduction = Reduction::sum});
          },
          {x});
    check("layer_norm over (37, 3)", [](const Vs& v) { return tg::layer_norm(v[0], {37, 3}); }, {x});
    check("batch_norm", [](const Vs& v) { return tg::batch_norm(v[0], nullptr, nullptr); }, {x});
    check("binary_cross_entropy_with_logits",
          [](const Vs& v) { return tg::binary_cross_entropy_with_logits(v[0], v[1], Reduction::none, v[2]); },
          {x, t01, pw});
}
